package io.recurflow.codegen.bundle;

import io.recurflow.runtime.bundle.BundleModel;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;

/**
 * Names of an entry class's typed methods: {@code set} or {@code get} and the model's name made a Java
 * identifier ({@code h_n} → {@code getH_n}, {@code x.1} → {@code setX_1}), with a numeric suffix where
 * two names meet or a name would hide an inherited method ({@code getClass}, {@code setInput}).
 */
final class MethodNames {
    private final Set<String> taken = new HashSet<>();

    MethodNames() {
        for (Method m : BundleModel.class.getMethods()) {
            taken.add(m.getName());
        }
        taken.add("load");
        taken.add("main");
    }

    String next(String prefix, String modelName) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < modelName.length(); i++) {
            char c = modelName.charAt(i);
            char safe = Character.isJavaIdentifierPart(c) && c != '$' ? c : '_';
            sb.append(i == 0 ? Character.toUpperCase(safe) : safe);
        }
        String base = sb.toString();
        String name = base;
        for (int k = 2; !taken.add(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }
}
