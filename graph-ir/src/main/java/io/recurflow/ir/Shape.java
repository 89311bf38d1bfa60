package io.recurflow.ir;

import java.util.ArrayList;
import java.util.List;

/** An immutable tensor shape whose axes are fixed sizes or the symbols B and T. */
public record Shape(List<Dim> dims) {
    public Shape {
        dims = List.copyOf(dims);
    }

    public static Shape of(Dim... dims) {
        return new Shape(List.of(dims));
    }

    /** A per-step shape: the batch axis followed by fixed feature sizes. */
    public static Shape batch(int... features) {
        List<Dim> d = new ArrayList<>();
        d.add(Dim.B);
        for (int f : features) {
            d.add(Dim.of(f));
        }
        return new Shape(d);
    }

    /** A shape of fixed sizes only. */
    public static Shape fixed(int... sizes) {
        List<Dim> d = new ArrayList<>();
        for (int s : sizes) {
            d.add(Dim.of(s));
        }
        return new Shape(d);
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int i) {
        return dims.get(i < 0 ? dims.size() + i : i);
    }

    /** The last axis's size, which must be fixed. */
    public int features() {
        if (dims.isEmpty()) {
            return 1;
        }
        Dim last = dims.get(dims.size() - 1);
        return last.isSymbolic() ? -1 : last.size();
    }

    /** Position of the batch axis, or -1. */
    public int batchAxis() {
        return dims.indexOf(Dim.B);
    }

    public boolean hasBatch() {
        return batchAxis() >= 0;
    }

    public Shape withLast(Dim last) {
        List<Dim> d = new ArrayList<>(dims);
        d.set(d.size() - 1, last);
        return new Shape(d);
    }

    public Shape dropLast() {
        return new Shape(dims.subList(0, dims.size() - 1));
    }

    public Shape prepend(Dim first) {
        List<Dim> d = new ArrayList<>();
        d.add(first);
        d.addAll(dims);
        return new Shape(d);
    }

    public Shape append(Dim last) {
        List<Dim> d = new ArrayList<>(dims);
        d.add(last);
        return new Shape(d);
    }

    public Shape dropFirst() {
        return new Shape(dims.subList(1, dims.size()));
    }

    /** Concrete sizes for a run with the given batch and sequence length. */
    public int[] resolve(int batch, int seq) {
        int[] r = new int[dims.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = dims.get(i).resolve(batch, seq);
        }
        return r;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims.get(i));
        }
        return sb.append(']').toString();
    }
}
