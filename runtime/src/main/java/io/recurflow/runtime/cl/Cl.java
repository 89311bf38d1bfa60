package io.recurflow.runtime.cl;

import static org.jocl.CL.CL_INVALID_BUFFER_SIZE;
import static org.jocl.CL.CL_MEM_ALLOC_HOST_PTR;
import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.CL_QUEUE_PROFILING_ENABLE;
import static org.jocl.CL.CL_QUEUE_PROPERTIES;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;

/**
 * Creation and release of every OpenCL object of this module, in one place, so that
 * {@link LiveObjects} counts stay exact and failures become exceptions that say what was being done.
 */
final class Cl {
    static {
        // JOCL then throws CLException on any error status; the calls below turn it into ours
        CL.setExceptionsEnabled(true);
    }

    private Cl() {
    }

    static OpenClException fail(String what, CLException e) {
        return new OpenClException(what + ": " + OpenClException.statusName(e.getStatus()), e.getStatus(), e);
    }

    static cl_context createContext(DeviceInfo info, cl_device_id device) {
        try {
            cl_context c = CL.clCreateContext(null, 1, new cl_device_id[] {device}, null, null, null);
            LiveObjects.CONTEXTS.incrementAndGet();
            return c;
        } catch (CLException e) {
            throw fail("cannot create an OpenCL context on " + info.name(), e);
        }
    }

    static void release(cl_context c) {
        try {
            CL.clReleaseContext(c);
        } catch (CLException e) {
            throw fail("clReleaseContext", e);
        } finally {
            LiveObjects.CONTEXTS.decrementAndGet();
        }
    }

    /** An in-order queue with profiling enabled, so that any run may ask for timings. */
    @SuppressWarnings("deprecation")
    static cl_command_queue createQueue(DeviceInfo info, cl_context context, cl_device_id device, int index) {
        try {
            cl_command_queue q;
            if (openclMajor(info) >= 2) {
                cl_queue_properties props = new cl_queue_properties();
                props.addProperty(CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE);
                q = CL.clCreateCommandQueueWithProperties(context, device, props, null);
            } else {
                // OpenCL 1.x has only the older entry point (deprecated from 2.0 on)
                q = CL.clCreateCommandQueue(context, device, CL_QUEUE_PROFILING_ENABLE, null);
            }
            LiveObjects.QUEUES.incrementAndGet();
            return q;
        } catch (CLException e) {
            throw fail("cannot create command queue q" + index + " on " + info.name(), e);
        }
    }

    static void release(cl_command_queue q) {
        try {
            CL.clReleaseCommandQueue(q);
        } catch (CLException e) {
            throw fail("clReleaseCommandQueue", e);
        } finally {
            LiveObjects.QUEUES.decrementAndGet();
        }
    }

    static int openclMajor(DeviceInfo info) {
        Matcher m = Pattern.compile("OpenCL\\s+(\\d+)").matcher(info.openclVersion());
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** Counts a program that {@code clCreateProgramWith*} returned. */
    static cl_program created(cl_program p) {
        LiveObjects.PROGRAMS.incrementAndGet();
        return p;
    }

    static void release(cl_program p) {
        try {
            CL.clReleaseProgram(p);
        } catch (CLException e) {
            throw fail("clReleaseProgram", e);
        } finally {
            LiveObjects.PROGRAMS.decrementAndGet();
        }
    }

    static cl_kernel createKernel(cl_program program, String function, String what) {
        try {
            cl_kernel k = CL.clCreateKernel(program, function, null);
            LiveObjects.KERNELS.incrementAndGet();
            return k;
        } catch (CLException e) {
            throw fail(what, e);
        }
    }

    static void release(cl_kernel k) {
        try {
            CL.clReleaseKernel(k);
        } catch (CLException e) {
            throw fail("clReleaseKernel", e);
        } finally {
            LiveObjects.KERNELS.decrementAndGet();
        }
    }

    /**
     * A read-write buffer of {@code bytes}; the statuses OpenCL uses for "too big" or "out of memory"
     * become a {@link DeviceMemoryException} naming {@code what}.
     */
    static cl_mem createBuffer(DeviceInfo info, cl_context context, long bytes, String what) {
        try {
            cl_mem m = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            LiveObjects.BUFFERS.incrementAndGet();
            return m;
        } catch (CLException e) {
            int s = e.getStatus();
            if (s == CL_MEM_OBJECT_ALLOCATION_FAILURE || s == CL_OUT_OF_RESOURCES || s == CL_INVALID_BUFFER_SIZE
                    || s == CL_OUT_OF_HOST_MEMORY) {
                throw new DeviceMemoryException("clCreateBuffer failed with " + OpenClException.statusName(s), what, bytes, info,
                        s, e);
            }
            throw fail("cannot create " + what + " of " + bytes + " bytes", e);
        }
    }

    /** A buffer in host memory ({@code CL_MEM_ALLOC_HOST_PTR}) to be mapped and used as a transfer's host side. */
    static cl_mem createHostBuffer(DeviceInfo info, cl_context context, long bytes, String what) {
        try {
            cl_mem m = CL.clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bytes, null, null);
            LiveObjects.BUFFERS.incrementAndGet();
            return m;
        } catch (CLException e) {
            throw fail("cannot create " + what + " of " + bytes + " bytes", e);
        }
    }

    static void release(cl_mem m) {
        try {
            CL.clReleaseMemObject(m);
        } catch (CLException e) {
            throw fail("clReleaseMemObject", e);
        } finally {
            LiveObjects.BUFFERS.decrementAndGet();
        }
    }

    /** Counts an event that an enqueue call filled in. */
    static void created(cl_event e) {
        LiveObjects.EVENTS.incrementAndGet();
    }

    static void release(cl_event e) {
        try {
            CL.clReleaseEvent(e);
        } catch (CLException x) {
            throw fail("clReleaseEvent", x);
        } finally {
            LiveObjects.EVENTS.decrementAndGet();
        }
    }

    private static final Pattern KERNEL = Pattern.compile(
            "\\b(?:__)?kernel\\s+(?:__attribute__\\s*\\(\\((?:[^()]|\\([^()]*\\))*\\)\\)\\s*)*void\\s+([A-Za-z_][A-Za-z0-9_]*)");

    /** The names of the {@code __kernel void NAME(...)} functions in {@code source}, in order. */
    static List<String> kernelNames(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = KERNEL.matcher(source);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Runs every action, even after one fails; then throws the first failure with the others suppressed. */
    static void all(List<Runnable> actions) {
        RuntimeException first = null;
        for (Runnable r : actions) {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
