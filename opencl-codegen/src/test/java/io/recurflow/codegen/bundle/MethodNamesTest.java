package io.recurflow.codegen.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MethodNamesTest {
    @Test
    void namesAreIdentifiersAndUnique() {
        MethodNames n = new MethodNames();
        assertEquals("setX", n.next("set", "x"));
        assertEquals("getH_n", n.next("get", "h_n"));
        assertEquals("getX_1", n.next("get", "x.1"));
        assertEquals("getX_1_2", n.next("get", "x-1"));
        assertEquals("setX_2", n.next("set", "x"));
        assertEquals("set7", n.next("set", "7"));
    }

    @Test
    void inheritedMethodsAreNotHidden() {
        MethodNames n = new MethodNames();
        assertEquals("getClass_2", n.next("get", "class"));
        assertEquals("setInput_2", n.next("set", "input"));
        assertEquals("setLengths_2", n.next("set", "lengths"));
    }
}
