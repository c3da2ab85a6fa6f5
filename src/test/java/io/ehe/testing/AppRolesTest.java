package io.ehe.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fixture's roles are what it says: a non-superuser owner, an app with only its old DML, a reader with nothing. */
@ExtendWith(PostgresExtension.class)
class AppRolesTest {

    @Test
    void rolesHaveExactlyTheirOldPrivileges(TestDatabase db) {
        AppRoles roles = AppRoles.create(db).createTablesAsOwner();
        assertThat(roles.owner().queryString("SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("false");
        assertThat(db.queryString("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.events'::regclass")).isEqualTo(roles.ownerRole());
        roles.app().execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('o', 't')",
                "INSERT INTO public.event_embeddings (event_id) SELECT max(id) FROM public.events",
                "DELETE FROM public.event_embeddings");
        assertThatThrownBy(() -> roles.app().execute("DELETE FROM public.events")).hasMessageContaining("permission denied");
        assertThatThrownBy(() -> roles.reader().queryLong("SELECT count(*) FROM public.events")).hasMessageContaining("permission denied");
    }
}
