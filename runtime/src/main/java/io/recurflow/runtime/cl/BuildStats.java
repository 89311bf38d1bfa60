package io.recurflow.runtime.cl;

/**
 * How the programs loaded so far in this process were obtained: {@code contextHits} reused a program
 * already built in the same context, {@code binaryHits} were created from a device binary kept from an
 * earlier build (a new context on the same device), {@code compiled} went through the OpenCL compiler.
 */
public record BuildStats(long contextHits, long binaryHits, long compiled) {
}
