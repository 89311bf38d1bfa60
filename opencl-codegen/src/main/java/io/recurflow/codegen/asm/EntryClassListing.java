package io.recurflow.codegen.asm;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** The public methods of a class file, as Java declarations, read without loading the class. */
public final class EntryClassListing {
    private EntryClassListing() {
    }

    /** The class's superclass (binary name) and each public method, e.g. {@code public static MyModel load(String)}. */
    public record Listing(String name, String superName, List<String> methods) {
    }

    public static Listing of(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        List<String> methods = new ArrayList<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                if ((access & Opcodes.ACC_PUBLIC) != 0 && !name.startsWith("<")) {
                    StringBuilder sb = new StringBuilder("public ");
                    if ((access & Opcodes.ACC_STATIC) != 0) {
                        sb.append("static ");
                    }
                    sb.append(simple(Type.getReturnType(descriptor))).append(' ').append(name).append('(');
                    Type[] args = Type.getArgumentTypes(descriptor);
                    for (int i = 0; i < args.length; i++) {
                        sb.append(i == 0 ? "" : ", ").append(simple(args[i]));
                    }
                    methods.add(sb.append(')').toString());
                }
                return null;
            }
        }, ClassReader.SKIP_CODE);
        return new Listing(reader.getClassName().replace('/', '.'), reader.getSuperName().replace('/', '.'), methods);
    }

    private static String simple(Type t) {
        String n = t.getClassName();
        return n.substring(n.lastIndexOf('.') + 1);
    }
}
