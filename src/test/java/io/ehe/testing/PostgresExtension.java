package io.ehe.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Gives each test class a fresh database: declare a {@link TestDatabase} parameter on a
 * {@code @BeforeAll} (or test) method of a class annotated {@code @ExtendWith(PostgresExtension.class)},
 * or a static {@link TestDatabase} field of the class (set before its {@code @BeforeAll} methods run).
 * Both give the same database.
 */
public final class PostgresExtension implements ParameterResolver, BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        for (Field field : testClass.getDeclaredFields()) {
            if (field.getType() == TestDatabase.class && Modifier.isStatic(field.getModifiers()) && !Modifier.isFinal(field.getModifiers())) {
                field.setAccessible(true);
                field.set(null, database(context, testClass));
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return database(context);
    }

    /** The test class's database from any of its contexts (class or test), for another extension of the class. */
    public static TestDatabase database(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return database(classContext, context.getRequiredTestClass());
    }

    private static TestDatabase database(ExtensionContext classContext, Class<?> testClass) {
        return classContext.getStore(ExtensionContext.Namespace.create(PostgresExtension.class, testClass))
                .getOrComputeIfAbsent("db", k -> PostgresServer.get().createDatabase(testClass.getSimpleName()), TestDatabase.class);
    }
}
