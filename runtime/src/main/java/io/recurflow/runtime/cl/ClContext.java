package io.recurflow.runtime.cl;

import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import io.recurflow.runtime.program.Program;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * One OpenCL context on one device, with the programs built in it: a cl_program belongs to its context,
 * so this is where built programs are cached, by SHA-256 of build options and source. Cached programs
 * live until {@link #clearPrograms()} or {@link #close()}.
 */
final class ClContext implements AutoCloseable {
    final DeviceInfo info;
    final cl_device_id device;
    final cl_context context;
    private final Map<String, cl_program> programs = new LinkedHashMap<>();
    private boolean closed;

    private ClContext(DeviceInfo info, cl_device_id device, cl_context context) {
        this.info = info;
        this.device = device;
        this.context = context;
    }

    static ClContext create(DeviceInfo info) {
        cl_device_id device = Devices.clDevice(info);
        return new ClContext(info, device, Cl.createContext(info, device));
    }

    /** The key of a build: options and source together, since either changes the binary. */
    static String key(String source, String options) {
        return Program.sha256(options + "\u0000" + source);
    }

    /**
     * The built program for {@code source}: from this context's cache, else from a kept device binary,
     * else compiled. The cache owns the result; callers must not release it.
     *
     * @throws KernelBuildException when the compiler rejects the source (nothing is left allocated)
     */
    synchronized cl_program program(String name, String source, String options) {
        check();
        String key = key(source, options);
        cl_program p = programs.get(key);
        if (p != null) {
            ProgramBinaries.CONTEXT_HITS.incrementAndGet();
            return p;
        }
        byte[] binary = ProgramBinaries.get(info, key);
        if (binary != null) {
            p = fromBinary(binary, options);
            if (p != null) {
                ProgramBinaries.BINARY_HITS.incrementAndGet();
            } else {
                // a binary the driver no longer takes: forget it and compile
                ProgramBinaries.remove(info, key);
            }
        }
        if (p == null) {
            p = compile(name, source, options, key);
            ProgramBinaries.COMPILED.incrementAndGet();
            byte[] built = binaryOf(p);
            if (built != null) {
                ProgramBinaries.put(info, key, built);
            }
        }
        programs.put(key, p);
        return p;
    }

    private cl_program fromBinary(byte[] binary, String options) {
        cl_program p;
        try {
            p = Cl.created(CL.clCreateProgramWithBinary(context, 1, new cl_device_id[] {device}, new long[] {binary.length},
                    new byte[][] {binary}, null, null));
        } catch (CLException e) {
            return null;
        }
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
            return p;
        } catch (CLException e) {
            Cl.release(p);
            return null;
        }
    }

    private cl_program compile(String name, String source, String options, String key) {
        cl_program p;
        try {
            p = Cl.created(CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null));
        } catch (CLException e) {
            throw Cl.fail("cannot create OpenCL program '" + name + "' from its source", e);
        }
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
            return p;
        } catch (CLException e) {
            String log = buildLog(p);
            Cl.release(p);
            Path file = writeFailedSource(key, source);
            throw new KernelBuildException(name, Cl.kernelNames(source), log, file, info.name(), e.getStatus(), e);
        }
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            int n = 0;
            while (n < buf.length && buf[n] != 0) {
                n++;
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(no build log: clGetProgramBuildInfo failed with " + OpenClException.statusName(e.getStatus()) + ")";
        }
    }

    private static Path writeFailedSource(String key, String source) {
        try {
            Path file = Path.of(System.getProperty("java.io.tmpdir"), "recurflow-failed-" + key.substring(0, 16) + ".cl");
            Files.writeString(file, source, StandardCharsets.UTF_8);
            return file;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The device binary of a built program, or null when the driver gives none. */
    byte[] binaryOf(cl_program p) {
        try {
            long[] size = new long[1];
            CL.clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0 || size[0] > Integer.MAX_VALUE) {
                return null;
            }
            byte[] binary = new byte[(int) size[0]];
            CL.clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(new Pointer[] {Pointer.to(binary)}), null);
            return binary;
        } catch (CLException e) {
            return null;
        }
    }

    synchronized int cachedPrograms() {
        return programs.size();
    }

    /** Releases every cached program; kernels made from them stay valid (OpenCL keeps their program alive). */
    synchronized void clearPrograms() {
        List<Runnable> releases = new ArrayList<>();
        for (cl_program p : programs.values()) {
            releases.add(() -> Cl.release(p));
        }
        programs.clear();
        Cl.all(releases);
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("the OpenCL context on " + info.name() + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Runnable> releases = new ArrayList<>();
        releases.add(this::clearPrograms);
        releases.add(() -> Cl.release(context));
        Cl.all(releases);
    }
}
