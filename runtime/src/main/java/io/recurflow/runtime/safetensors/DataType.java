package io.recurflow.runtime.safetensors;

/** An element type of the safetensors format, with its header name and its size in bytes. */
public enum DataType {
    F64(8, Kind.DOUBLE),
    F32(4, Kind.FLOAT),
    F16(2, Kind.FLOAT),
    BF16(2, Kind.FLOAT),
    I64(8, Kind.INTEGER),
    I32(4, Kind.INTEGER),
    U32(4, Kind.INTEGER),
    I16(2, Kind.INTEGER),
    U16(2, Kind.INTEGER),
    I8(1, Kind.INTEGER),
    U8(1, Kind.INTEGER),
    BOOL(1, Kind.INTEGER);

    /** How a {@link HostTensor} of this type holds its elements: float[], double[] or long[]. */
    public enum Kind { FLOAT, DOUBLE, INTEGER }

    private final int size;
    private final Kind kind;

    DataType(int size, Kind kind) {
        this.size = size;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The Java array kind that holds elements of this type. */
    public Kind kind() {
        return kind;
    }

    /** True for F64, F32, F16 and BF16. */
    public boolean isFloatingPoint() {
        return kind != Kind.INTEGER;
    }

    /** The name used in a safetensors header ("F32", "I64", ...). */
    public String headerName() {
        return name();
    }

    /** The type named {@code name} in a safetensors header, or null when this reader does not know it. */
    public static DataType fromHeaderName(String name) {
        for (DataType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Smallest value an integer type holds. */
    long minValue() {
        switch (this) {
            case I64: return Long.MIN_VALUE;
            case I32: return Integer.MIN_VALUE;
            case I16: return Short.MIN_VALUE;
            case I8: return Byte.MIN_VALUE;
            default: return 0;
        }
    }

    /** Largest value an integer type holds. */
    long maxValue() {
        switch (this) {
            case I64: return Long.MAX_VALUE;
            case I32: return Integer.MAX_VALUE;
            case U32: return 0xffffffffL;
            case I16: return Short.MAX_VALUE;
            case U16: return 0xffff;
            case I8: return Byte.MAX_VALUE;
            case U8: return 0xff;
            case BOOL: return 1;
            default: return Long.MAX_VALUE;
        }
    }
}
