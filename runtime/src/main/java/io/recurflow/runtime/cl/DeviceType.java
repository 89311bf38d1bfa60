package io.recurflow.runtime.cl;

/** The kind of an OpenCL device. */
public enum DeviceType { GPU, CPU, ACCELERATOR, OTHER }
