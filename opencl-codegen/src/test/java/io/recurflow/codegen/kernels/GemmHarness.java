package io.recurflow.codegen.kernels;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_PROFILING_COMMAND_END;
import static org.jocl.CL.CL_PROFILING_COMMAND_START;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_QUEUE_PROFILING_ENABLE;
import static org.jocl.CL.CL_QUEUE_PROPERTIES;
import static org.jocl.CL.CL_TRUE;

import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Devices;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;

/**
 * A minimal JOCL harness for kernel tests and benchmarks: one context and one profiling queue on
 * {@code Devices.select(null)}; everything it creates is released by {@link #close()}. Stands in until
 * the runtime's executor exists.
 */
final class GemmHarness implements AutoCloseable {
    private final DeviceInfo info;
    private final cl_device_id device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Deque<Runnable> releases = new ArrayDeque<>();

    /** Opens the default device; throws {@code NoOpenClException} when there is none. */
    GemmHarness() {
        info = Devices.select(null);
        CL.setExceptionsEnabled(true);
        device = Devices.clDevice(info);
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, Devices.clPlatform(info));
        context = CL.clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
        releases.push(() -> CL.clReleaseContext(context));
        cl_queue_properties qp = new cl_queue_properties();
        qp.addProperty(CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE);
        queue = CL.clCreateCommandQueueWithProperties(context, device, qp, null);
        releases.push(() -> CL.clReleaseCommandQueue(queue));
    }

    DeviceInfo device() {
        return info;
    }

    /** Builds {@code source}; a failed build throws with the compiler's log. */
    cl_program build(String source) {
        cl_program program = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        releases.push(() -> CL.clReleaseProgram(program));
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device}, "", null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL build failed: " + e.getMessage() + "\n" + buildLog(program), e);
        }
        return program;
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).trim();
    }

    cl_kernel kernel(cl_program program, String name) {
        cl_kernel k = CL.clCreateKernel(program, name, null);
        releases.push(() -> CL.clReleaseKernel(k));
        return k;
    }

    cl_mem buffer(float[] data) {
        cl_mem m = CL.clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                (long) Sizeof.cl_float * Math.max(1, data.length), Pointer.to(data.length == 0 ? new float[1] : data), null);
        releases.push(() -> CL.clReleaseMemObject(m));
        return m;
    }

    cl_mem buffer(int[] data) {
        cl_mem m = CL.clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                (long) Sizeof.cl_int * Math.max(1, data.length), Pointer.to(data.length == 0 ? new int[1] : data), null);
        releases.push(() -> CL.clReleaseMemObject(m));
        return m;
    }

    float[] read(cl_mem buffer, int length) {
        float[] out = new float[length];
        CL.clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, (long) Sizeof.cl_float * length, Pointer.to(out), 0, null, null);
        return out;
    }

    /** Sets {@code args} (each a {@code cl_mem} or an {@code Integer}) in order. */
    void setArgs(cl_kernel kernel, List<Object> args) {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof cl_mem m) {
                CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(m));
            } else if (a instanceof Integer v) {
                CL.clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            } else {
                throw new IllegalArgumentException("argument " + i + " is neither a buffer nor an int: " + a);
            }
        }
    }

    /** Launches {@code kernel}, waits, and returns its profiled device time in seconds. */
    double run(cl_kernel kernel, long[] global, long[] local) {
        cl_event event = new cl_event();
        CL.clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, event);
        CL.clFinish(queue);
        long[] start = new long[1];
        long[] end = new long[1];
        CL.clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
        CL.clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
        CL.clReleaseEvent(event);
        return (end[0] - start[0]) * 1e-9;
    }

    @Override
    public void close() {
        while (!releases.isEmpty()) {
            releases.pop().run();
        }
    }
}
