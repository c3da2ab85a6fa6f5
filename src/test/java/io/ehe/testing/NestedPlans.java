package io.ehe.testing;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a function runs inside it, as the server ran it: auto_explain (contrib, loadable by a superuser)
 * logs every statement's plan, nested ones included, as a NOTICE the JDBC statement collects.
 */
public final class NestedPlans {

    private NestedPlans() {
    }

    /** Turns it on for {@code st}'s session: each statement's analysed plan, nested ones too, as a NOTICE. */
    public static void logAsNotices(Statement st) throws SQLException {
        for (String s : List.of("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_analyze = on",
                "SET auto_explain.log_level = notice")) {
            st.execute(s);
        }
        st.clearWarnings();
    }

    /** Runs {@code sql} on {@code st} and returns the NOTICE texts it raised (one per logged plan). */
    public static List<String> notices(Statement st, String sql) throws SQLException {
        st.clearWarnings();
        st.execute(sql);
        List<String> out = new ArrayList<>();
        for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
            out.add(w.getMessage());
        }
        st.clearWarnings();
        return out;
    }
}
