package io.recurflow.runtime.bundle;

import io.recurflow.runtime.cl.BuildStats;
import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Loaded;
import io.recurflow.runtime.cl.Session;
import io.recurflow.runtime.program.Program;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bundle loaded on one device. It owns its own {@link Session} (never a shared one), so two handles
 * run independently on two threads. The kernels come from the bundle's device binary when it has one
 * for this device (same name, platform and driver), else from the source, which is said once on stderr.
 */
public final class BundleHandle implements RecurflowModel {
    private static final Set<String> NOTED = new HashSet<>();

    private final Bundle bundle;
    private final Manifest m;
    private final Session session;
    private final Loaded loaded;
    private final boolean fromBinary;
    private final Map<String, Object> host = new LinkedHashMap<>();
    private final Set<String> given = new HashSet<>();
    /** Steps of the per-step inputs set so far (0: none set yet). */
    private int steps;
    private int[] lengths;
    private Map<String, float[]> results;
    private int resultSteps;

    private BundleHandle(Bundle bundle, Session session, Loaded loaded, boolean fromBinary) {
        this.bundle = bundle;
        this.m = bundle.manifest();
        this.session = session;
        this.loaded = loaded;
        this.fromBinary = fromBinary;
    }

    static BundleHandle open(Bundle bundle, DeviceInfo device) {
        Manifest m = bundle.manifest();
        Program program = bundle.program();
        Manifest.Binary binary = null;
        for (Manifest.Binary b : m.binaries()) {
            if (b.device().equals(device.name()) && b.platform().equals(device.platformName())
                    && b.driver().equals(device.driverVersion())) {
                binary = b;
                break;
            }
        }
        Session.Options options = new Session.Options(binary == null ? "" : binary.buildOptions(), true);
        if (binary != null) {
            Session.offerBinary(device, program, options, bundle.entries().get(binary.entry()));
        } else {
            List<String> has = new ArrayList<>();
            for (Manifest.Binary b : m.binaries()) {
                has.add(b.device() + " (" + b.platform() + ", driver " + b.driver() + ")");
            }
            noteOnce(m.entryClass() + "@" + device.name(), "bundle " + m.entryClass() + " has no device binary for "
                    + device.name() + " (" + device.platformName() + ", driver " + device.driverVersion() + "); it has "
                    + (has.isEmpty() ? "none" : String.join(", ", has)) + ". Building its kernels from source.");
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        for (Manifest.Param p : m.params()) {
            setup.put(p.host(), bundle.weights().get(p.name()).toFloatArray());
        }
        BuildStats before = Session.buildStats();
        Session session = Session.open(device, program.queues());
        try {
            Loaded loaded = session.load(program, setup, options);
            boolean compiled = Session.buildStats().compiled() > before.compiled();
            if (binary != null && compiled) {
                noteOnce(m.entryClass() + "@" + device.name(), "the driver refused bundle " + m.entryClass()
                        + "'s device binary for " + device.name() + "; built its kernels from source");
            }
            return new BundleHandle(bundle, session, loaded, binary != null && !compiled);
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (RuntimeException x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }

    private static void noteOnce(String key, String message) {
        synchronized (NOTED) {
            if (NOTED.add(key)) {
                System.err.println("recurflow: " + message);
            }
        }
    }

    /** Whether the kernels came from the bundle's device binary rather than from source. */
    public boolean fromBinary() {
        return fromBinary;
    }

    public Bundle bundle() {
        return bundle;
    }

    @Override
    public List<String> inputNames() {
        List<String> r = new ArrayList<>();
        m.inputs().forEach(i -> r.add(i.name()));
        return r;
    }

    @Override
    public List<String> outputNames() {
        List<String> r = new ArrayList<>();
        m.outputs().forEach(o -> r.add(o.name()));
        return r;
    }

    @Override
    public int[] inputShape(String name) {
        return input(name).shape().clone();
    }

    @Override
    public int[] outputShape(String name) {
        Manifest.Output o = output0(name);
        int[] s = o.shape().clone();
        if (o.perStep() && results != null) {
            s[0] = resultSteps;
        }
        return s;
    }

    @Override
    public int batch() {
        return m.batch();
    }

    @Override
    public int maxSteps() {
        return m.maxSteps();
    }

    private Manifest.Input input(String name) {
        for (Manifest.Input i : m.inputs()) {
            if (i.name().equals(name)) {
                return i;
            }
        }
        throw new BundleException("bundle " + m.entryClass() + " has no input '" + name + "' (inputs: "
                + String.join(", ", inputNames()) + ")");
    }

    private Manifest.Output output0(String name) {
        for (Manifest.Output o : m.outputs()) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        throw new BundleException("bundle " + m.entryClass() + " has no output '" + name + "' (outputs: "
                + String.join(", ", outputNames()) + ")");
    }

    @Override
    public void setInput(String name, float[] data, int[] lengths) {
        Manifest.Input in = input(name);
        if (!in.dtype().equals("f32")) {
            throw new BundleException("input '" + name + "' takes " + in.dtype() + " ids (int[]), not floats");
        }
        set(in, data.length, lengths, data);
    }

    @Override
    public void setInput(String name, int[] ids, int[] lengths) {
        Manifest.Input in = input(name);
        if (!in.dtype().equals("i32")) {
            throw new BundleException("input '" + name + "' takes " + in.dtype() + " values (float[]), not ints");
        }
        set(in, ids.length, lengths, ids);
    }

    private void set(Manifest.Input in, int count, int[] lens, Object data) {
        int full = count(in.shape());
        int copySteps = 0;
        if (in.perStep()) {
            int row = full / m.maxSteps();
            int t = count / row;
            if (count == 0 || count % row != 0 || t > m.maxSteps()) {
                throw new BundleException("input '" + in.name() + "' has " + count + " values, which is not "
                        + shapeText(in.shape(), "T'") + " for any T' in 1.." + m.maxSteps() + " (" + row
                        + " values per step); the bundle's shape is " + Arrays.toString(in.shape()));
            }
            for (Manifest.Input other : m.inputs()) {
                if (other.perStep() && given.contains(other.name()) && !other.name().equals(in.name()) && t != steps) {
                    throw new BundleException("input '" + in.name() + "' has " + t + " steps (shape "
                            + shapeText(in.shape(), Integer.toString(t)) + ") but input '" + other.name() + "' has " + steps);
                }
            }
            copySteps = t;
        } else if (count != full) {
            throw new BundleException("input '" + in.name() + "' has " + count + " values; the bundle's shape is "
                    + Arrays.toString(in.shape()) + " (" + full + " values)");
        }
        if (lens != null) {
            setLengths(lens);
        }
        Object padded = host.computeIfAbsent(in.host(), k -> data instanceof float[] ? new float[full] : new int[full]);
        if (data instanceof float[]) {
            Arrays.fill((float[]) padded, 0f);
        } else {
            Arrays.fill((int[]) padded, 0);
        }
        System.arraycopy(data, 0, padded, 0, count);
        if (in.perStep()) {
            steps = copySteps;
        }
        given.add(in.name());
    }

    private static String shapeText(int[] shape, String first) {
        StringBuilder sb = new StringBuilder("[").append(first);
        for (int i = 1; i < shape.length; i++) {
            sb.append(", ").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    private static int count(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public void setLengths(int[] lens) {
        if (lens.length != m.batch()) {
            throw new BundleException(lens.length + " lengths for a batch of " + m.batch() + " (the bundle's inputs: "
                    + shapes() + ")");
        }
        for (int len : lens) {
            if (len < 1 || len > m.maxSteps()) {
                throw new BundleException("length " + len + " is outside [1, " + m.maxSteps() + "] (the bundle's max-seq)");
            }
        }
        lengths = lens.clone();
    }

    private String shapes() {
        List<String> r = new ArrayList<>();
        for (Manifest.Input i : m.inputs()) {
            r.add(i.name() + " " + i.dtype() + Arrays.toString(i.shape()));
        }
        return String.join(", ", r);
    }

    @Override
    public void run() {
        for (Manifest.Input i : m.inputs()) {
            if (!given.contains(i.name())) {
                throw new BundleException("input '" + i.name() + "' " + i.dtype() + Arrays.toString(i.shape())
                        + " has not been set");
            }
        }
        int t = steps == 0 ? m.maxSteps() : steps;
        int[] lens = lengths;
        if (lens == null) {
            lens = new int[m.batch()];
            Arrays.fill(lens, t);
        }
        for (int len : lens) {
            if (len > t) {
                throw new BundleException("length " + len + " is longer than the " + t + " steps of the per-step inputs");
            }
        }
        Map<String, Object> in = new LinkedHashMap<>(host);
        in.put(m.lengthsHost(), lens);
        results = loaded.run(in);
        resultSteps = t;
    }

    @Override
    public float[] output(String name) {
        Manifest.Output o = output0(name);
        if (results == null) {
            throw new BundleException("output '" + name + "' asked for before the first run()");
        }
        float[] all = results.get(o.host());
        if (!o.perStep()) {
            return all.clone();
        }
        return Arrays.copyOf(all, all.length / m.maxSteps() * resultSteps);
    }

    @Override
    public void close() {
        session.close();
    }
}
