package io.recurflow.codegen.kernels;

/**
 * Every decision behind one GEMM kernel, taken before any source is printed. The kernel is shaped for
 * CPUs (PoCL): work-groups of one work-item, each owning a panel of {@code nr} columns of C and a range of
 * rows, with a register tile of {@code mr x nr} accumulators in float16 vectors.
 *
 * <p>Per k chunk, a work-item copies its panel of B into local memory as {@code [kc][nr]} (contiguous,
 * zero-padded past column n; with packedB the panel is read in place), then walks its rows in tiles. A
 * tile of {@code mr} consecutive rows of A reads them in place; any other tile first gathers its rows into
 * a local {@code [rows][kcStride]} block (this is where step rows, initial states and missing rows are
 * resolved, so the inner loop never branches). The inner loop broadcasts one A element against
 * {@code nr / 16} vectors of B per row. A single last row runs its own loop with four sets of sums.
 *
 * @param spec the GEMM
 * @param nr panel width, 16 or 32 columns (one or two float16 vectors)
 * @param mr rows of the large register tile
 * @param ms rows of the small tile used for the last few rows of a range (a 12-row tile over 1 row would
 *     waste 11/12 of its multiply-adds)
 * @param kc the k chunk: the panel and the A tile hold this many k; equal to k unless k exceeds the chunk limit
 * @param kcStride floats between rows of the local A tile (padded so that rows do not alias in L1)
 * @param chunks number of k chunks; above one, partial sums go through C
 * @param panels column panels, the global size along dimension 0
 * @param lastWidth columns of C in the last panel (nr when n is a multiple of nr)
 * @param dotRows work-groups with at most this many rows take dot products along k from B's rows instead
 *     of transposing a panel (0: never; only B as [n, k], unpacked, in one chunk)
 */
public record GemmPlan(GemmSpec spec, int nr, int mr, int ms, int kc, int kcStride, int chunks, int panels,
        int lastWidth, int dotRows) {

    /** The largest k chunk by default: a 4096 x 32 panel is 512 KiB, which stays in a 2 MiB L2 with its A tile. */
    public static final int DEFAULT_KC_MAX = 4096;

    /** Rows per work-group at most, in large tiles: enough to amortise the panel copy (~1 byte per 100 flops). */
    static final int TILES_PER_GROUP = 32;

    /** Work-groups a launch should have at least, so that all cores get work and late ones can balance. */
    static final int MIN_GROUPS = 16;

    /**
     * Rows up to which dot products along k beat transposing a B panel (which costs about as much as the
     * products of 16 rows).
     */
    static final int DOT_ROWS = 16;

    /** The plan of {@code spec} with the default chunk limit. */
    public static GemmPlan of(GemmSpec spec) {
        return of(spec, DEFAULT_KC_MAX);
    }

    /** The plan of {@code spec} splitting k into chunks of at most {@code kcMax} (a multiple of 16). */
    public static GemmPlan of(GemmSpec spec, int kcMax) {
        if (kcMax < 16 || kcMax % 16 != 0) {
            throw new IllegalArgumentException("the k chunk limit must be a positive multiple of 16, got " + kcMax);
        }
        int nr = spec.n() <= 16 ? 16 : 32;
        // 12 x 2 and 24 x 1 vectors: 24 accumulators, leaving 8 of the 32 AVX-512 registers for B and A.
        int mr = nr == 32 ? 12 : 24;
        int ms = nr == 32 ? 4 : 8;
        int chunks = ceilDiv(spec.k(), kcMax);
        // Whole multiples of 16 keep every chunk but the last on the vector copy path; (chunks - 1) * kc < k
        // holds because kc <= kcMax.
        int kc = chunks == 1 ? spec.k() : roundUp(ceilDiv(spec.k(), chunks), 16);
        int kcStride = roundUp(kc, 16) + 16;
        int panels = ceilDiv(spec.n(), nr);
        int lastWidth = spec.n() - (panels - 1) * nr;
        int dotRows = spec.transposeB() && !spec.packedB() && chunks == 1 ? DOT_ROWS : 0;
        return new GemmPlan(spec, nr, mr, ms, kc, kcStride, chunks, panels, lastWidth, dotRows);
    }

    /** float16 vectors per panel row. */
    public int vectors() {
        return nr / 16;
    }

    /** Bytes of local memory per work-group (to check against the device's): B panel unless packed, A tile, sums. */
    public long localBytes() {
        long panel = spec.packedB() ? 0 : (long) kc * nr * Float.BYTES;
        return panel + (long) mr * kcStride * Float.BYTES + (long) mr * nr * Float.BYTES;
    }

    /**
     * Row groups for a launch of {@code m} rows, the global size along dimension 1: at most
     * {@link #TILES_PER_GROUP} large tiles each, and enough groups for {@link #MIN_GROUPS} work-groups
     * while each still has a tile.
     */
    public int rowGroups(int m) {
        if (m <= 0) {
            return 1;
        }
        int tiles = ceilDiv(m, mr);
        int groups = ceilDiv(tiles, TILES_PER_GROUP);
        if ((long) groups * panels < MIN_GROUPS) {
            groups = Math.min(tiles, ceilDiv(MIN_GROUPS, panels));
        }
        return Math.max(1, groups);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static int roundUp(int a, int b) {
        return ceilDiv(a, b) * b;
    }
}
