package dev.procwire.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Gives each fork-server test its own server folder and cleans it up: see {@link ForkServerTesting}. */
abstract class ForkServerTestBase {
    protected ForkServerTesting t;

    @BeforeEach
    void newServerFolder() throws Exception {
        t = new ForkServerTesting();
    }

    @AfterEach
    void cleanUp() throws Exception {
        t.close();
    }
}
