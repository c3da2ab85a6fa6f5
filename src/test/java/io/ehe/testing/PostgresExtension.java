package io.ehe.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test class a fresh database: declare a {@link TestDatabase} parameter on a
 * {@code @BeforeAll} (or test) method of a class annotated {@code @ExtendWith(PostgresExtension.class)}.
 */
public final class PostgresExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().get();
        }
        Class<?> testClass = context.getRequiredTestClass();
        return classContext.getStore(ExtensionContext.Namespace.create(PostgresExtension.class, testClass))
                .getOrComputeIfAbsent("db", k -> PostgresServer.get().createDatabase(testClass.getSimpleName()), TestDatabase.class);
    }
}
