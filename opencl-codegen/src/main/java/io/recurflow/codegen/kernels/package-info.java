/**
 * OpenCL kernel generators: plain Java string generation, each kernel specialised by a spec record.
 * A plan record holds every decision; an emitter only prints it.
 */
package io.recurflow.codegen.kernels;
