package io.ehe.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Starts, lets Spring Boot's Liquibase run the app's changelog (which includes the module's), and
 * stops: an app's deployment in one process. Settings come as --spring.* arguments.
 */
@SpringBootApplication
public class App {

    public static void main(String[] args) {
        SpringApplication.run(App.class, args).close();
    }
}
