#ifndef RECURFLOW_FLOAT16U
#define RECURFLOW_FLOAT16U
/* float16 at 4-byte alignment: vector loads and stores at any element offset. */
typedef float16 __attribute__((aligned(4))) rf_float16u;
typedef float4 __attribute__((aligned(4))) rf_float4u;
inline float rf_hsum16(float16 v) {
    const float8 a = v.lo + v.hi;
    const float4 b = a.lo + a.hi;
    const float2 c = b.lo + b.hi;
    return c.x + c.y;
}
#endif

/* proj: C[M, 100] = tanh(A[M, 37] . B[100, 37]^T + bias); rows PLAIN. Tiles 12 and 4 x 32, k chunk 37; dot products along k for work-groups of up to 16 rows */
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void proj(__global const float* restrict A, int a_off, __global const float* restrict B, int b_off, __global const float* restrict bias, int bias_off, __global float* restrict C, int c_off, int M)
{
    __local float16 bp[74]; /* the B panel, [kc][32] */
    __local float* const bpf = (__local float*)bp;
    __local float16 at[48]; /* gathered A rows, [12][64] */
    __local float* const atf = (__local float*)at;
    __local float16 ct[24]; /* a tile's sums, [12][32], for the epilogue */
    const int jp = get_global_id(0);
    const int j0 = jp * 32;
    const int groups = get_global_size(1);
    /* rows [r0, r1) of this work-group, whole large tiles but for the last group */
    const int per = ((M + groups - 1) / groups + 11) / 12 * 12;
    const int r0 = get_global_id(1) * per;
    const int r1 = min(M, r0 + per);
    if (r0 >= r1 || jp >= 4) return;
    __global const float* const bsrc = bias + bias_off + j0;
    float16 bias0, bias1;
    if (jp < 3) {
        bias0 = *(__global const rf_float16u*)(bsrc);
        bias1 = *(__global const rf_float16u*)(bsrc + 16);
    } else {
        bias0 = (float16)(bsrc[0], bsrc[1], bsrc[2], bsrc[3], 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f);
        bias1 = (float16)(0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f);
    }
    if (r1 - r0 <= 16) {
        for (int r = r0; r < r1; r++) {
            const int n = 1;
            const int rr = r;
            __global const float* src = 0;
            src = A + a_off + (long)rr * 37 + 0;
            __local float* const ctf = (__local float*)ct;
            for (int j = 0; j < 32; j += 8) {
                float16 s0 = (float16)(0.0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
                float u0 = 0.0f, u1 = 0.0f, u2 = 0.0f, u3 = 0.0f, u4 = 0.0f, u5 = 0.0f, u6 = 0.0f, u7 = 0.0f;
                if (src) {
                    __global const float* const w0 = B + b_off + (long)min(j0 + j + 0, 99) * 37;
                    __global const float* const w1 = B + b_off + (long)min(j0 + j + 1, 99) * 37;
                    __global const float* const w2 = B + b_off + (long)min(j0 + j + 2, 99) * 37;
                    __global const float* const w3 = B + b_off + (long)min(j0 + j + 3, 99) * 37;
                    __global const float* const w4 = B + b_off + (long)min(j0 + j + 4, 99) * 37;
                    __global const float* const w5 = B + b_off + (long)min(j0 + j + 5, 99) * 37;
                    __global const float* const w6 = B + b_off + (long)min(j0 + j + 6, 99) * 37;
                    __global const float* const w7 = B + b_off + (long)min(j0 + j + 7, 99) * 37;
                    for (int k = 0; k < 32; k += 16) {
                        const float16 x = *(__global const rf_float16u*)(src + k);
                        s0 = fma(x, *(__global const rf_float16u*)(w0 + k), s0); s1 = fma(x, *(__global const rf_float16u*)(w1 + k), s1); s2 = fma(x, *(__global const rf_float16u*)(w2 + k), s2); s3 = fma(x, *(__global const rf_float16u*)(w3 + k), s3); s4 = fma(x, *(__global const rf_float16u*)(w4 + k), s4); s5 = fma(x, *(__global const rf_float16u*)(w5 + k), s5); s6 = fma(x, *(__global const rf_float16u*)(w6 + k), s6); s7 = fma(x, *(__global const rf_float16u*)(w7 + k), s7);
                    }
                    for (int k = 32; k < 37; k++) { u0 = fma(src[k], w0[k], u0); u1 = fma(src[k], w1[k], u1); u2 = fma(src[k], w2[k], u2); u3 = fma(src[k], w3[k], u3); u4 = fma(src[k], w4[k], u4); u5 = fma(src[k], w5[k], u5); u6 = fma(src[k], w6[k], u6); u7 = fma(src[k], w7[k], u7); }
                }
                ctf[j + 0] = rf_hsum16(s0) + u0; ctf[j + 1] = rf_hsum16(s1) + u1; ctf[j + 2] = rf_hsum16(s2) + u2; ctf[j + 3] = rf_hsum16(s3) + u3; ctf[j + 4] = rf_hsum16(s4) + u4; ctf[j + 5] = rf_hsum16(s5) + u5; ctf[j + 6] = rf_hsum16(s6) + u6; ctf[j + 7] = rf_hsum16(s7) + u7;
            }
            for (int i = 0; i < n; i++) {
                const int rr = r + i;
                __global float* const dst = C + c_off + (long)rr * 100 + j0;
                float16 v0 = ct[i * 2], v1 = ct[i * 2 + 1];
                v0 += bias0;
                v0 = tanh(v0);
                v1 += bias1;
                v1 = tanh(v1);
                if (jp < 3) {
                    *(__global rf_float16u*)(dst) = v0;
                    *(__global rf_float16u*)(dst + 16) = v1;
                } else {
                    dst[0] = v0.s0; dst[1] = v0.s1; dst[2] = v0.s2; dst[3] = v0.s3;
                }
            }
        }
        return;
    }
    for (int k0 = 0; k0 < 37; k0 += 37) {
        const int kc = min(37, 37 - k0);
        /* copy the panel: contiguous for the inner loop, zero past column n */
        if (jp < 3) {
            /* 4 x 4 blocks: four rows of B, four k, transposed through float4 registers */
            for (int h = 0; h < 8; h++) {
                __global const float* const src = B + b_off + (long)(j0 + 4 * h) * 37 + k0;
                int k = 0;
                for (; k + 4 <= kc; k += 4) {
                    const float4 q0 = *(__global const rf_float4u*)(src + k);
                    const float4 q1 = *(__global const rf_float4u*)(src + 37 + k);
                    const float4 q2 = *(__global const rf_float4u*)(src + 74 + k);
                    const float4 q3 = *(__global const rf_float4u*)(src + 111 + k);
                    *(__local float4*)(bpf + (k + 0) * 32 + 4 * h) = (float4)(q0.s0, q1.s0, q2.s0, q3.s0);
                    *(__local float4*)(bpf + (k + 1) * 32 + 4 * h) = (float4)(q0.s1, q1.s1, q2.s1, q3.s1);
                    *(__local float4*)(bpf + (k + 2) * 32 + 4 * h) = (float4)(q0.s2, q1.s2, q2.s2, q3.s2);
                    *(__local float4*)(bpf + (k + 3) * 32 + 4 * h) = (float4)(q0.s3, q1.s3, q2.s3, q3.s3);
                }
                for (; k < kc; k++) for (int jj = 0; jj < 4; jj++) bpf[k * 32 + 4 * h + jj] = src[jj * 37 + k];
            }
        } else {
            for (int k = 0; k < kc; k++) for (int jj = 0; jj < 32; jj++) bpf[k * 32 + jj] = jj < 4 ? B[b_off + (long)(j0 + jj) * 37 + k0 + k] : 0.0f;
        }
        for (int r = r0; r < r1; ) {
            const int left = r1 - r;
            int n;
            const int arow = left >= 12 ? r : -1;
            if (arow >= 0) {
                /* 12 consecutive rows of A, read in place */
                __global const float* const ap = A + a_off + (long)arow * 37 + k0;
                float16 acc0_0 = (float16)(0.0f), acc0_1 = (float16)(0.0f);
                float16 acc1_0 = (float16)(0.0f), acc1_1 = (float16)(0.0f);
                float16 acc2_0 = (float16)(0.0f), acc2_1 = (float16)(0.0f);
                float16 acc3_0 = (float16)(0.0f), acc3_1 = (float16)(0.0f);
                float16 acc4_0 = (float16)(0.0f), acc4_1 = (float16)(0.0f);
                float16 acc5_0 = (float16)(0.0f), acc5_1 = (float16)(0.0f);
                float16 acc6_0 = (float16)(0.0f), acc6_1 = (float16)(0.0f);
                float16 acc7_0 = (float16)(0.0f), acc7_1 = (float16)(0.0f);
                float16 acc8_0 = (float16)(0.0f), acc8_1 = (float16)(0.0f);
                float16 acc9_0 = (float16)(0.0f), acc9_1 = (float16)(0.0f);
                float16 acc10_0 = (float16)(0.0f), acc10_1 = (float16)(0.0f);
                float16 acc11_0 = (float16)(0.0f), acc11_1 = (float16)(0.0f);
                for (int k = 0; k < kc; k++) {
                    const float16 b0 = bp[k * 2];
                    const float16 b1 = bp[k * 2 + 1];
                    float e;
                    e = ap[k]; acc0_0 = fma((float16)(e), b0, acc0_0); acc0_1 = fma((float16)(e), b1, acc0_1);
                    e = ap[37 + k]; acc1_0 = fma((float16)(e), b0, acc1_0); acc1_1 = fma((float16)(e), b1, acc1_1);
                    e = ap[74 + k]; acc2_0 = fma((float16)(e), b0, acc2_0); acc2_1 = fma((float16)(e), b1, acc2_1);
                    e = ap[111 + k]; acc3_0 = fma((float16)(e), b0, acc3_0); acc3_1 = fma((float16)(e), b1, acc3_1);
                    e = ap[148 + k]; acc4_0 = fma((float16)(e), b0, acc4_0); acc4_1 = fma((float16)(e), b1, acc4_1);
                    e = ap[185 + k]; acc5_0 = fma((float16)(e), b0, acc5_0); acc5_1 = fma((float16)(e), b1, acc5_1);
                    e = ap[222 + k]; acc6_0 = fma((float16)(e), b0, acc6_0); acc6_1 = fma((float16)(e), b1, acc6_1);
                    e = ap[259 + k]; acc7_0 = fma((float16)(e), b0, acc7_0); acc7_1 = fma((float16)(e), b1, acc7_1);
                    e = ap[296 + k]; acc8_0 = fma((float16)(e), b0, acc8_0); acc8_1 = fma((float16)(e), b1, acc8_1);
                    e = ap[333 + k]; acc9_0 = fma((float16)(e), b0, acc9_0); acc9_1 = fma((float16)(e), b1, acc9_1);
                    e = ap[370 + k]; acc10_0 = fma((float16)(e), b0, acc10_0); acc10_1 = fma((float16)(e), b1, acc10_1);
                    e = ap[407 + k]; acc11_0 = fma((float16)(e), b0, acc11_0); acc11_1 = fma((float16)(e), b1, acc11_1);
                }
                ct[0] = acc0_0; ct[1] = acc0_1;
                ct[2] = acc1_0; ct[3] = acc1_1;
                ct[4] = acc2_0; ct[5] = acc2_1;
                ct[6] = acc3_0; ct[7] = acc3_1;
                ct[8] = acc4_0; ct[9] = acc4_1;
                ct[10] = acc5_0; ct[11] = acc5_1;
                ct[12] = acc6_0; ct[13] = acc6_1;
                ct[14] = acc7_0; ct[15] = acc7_1;
                ct[16] = acc8_0; ct[17] = acc8_1;
                ct[18] = acc9_0; ct[19] = acc9_1;
                ct[20] = acc10_0; ct[21] = acc10_1;
                ct[22] = acc11_0; ct[23] = acc11_1;
                n = 12;
            } else {
                if (left > 8) {
                    n = min(12, left);
                    for (int i = 0; i < 12; i++) {
                        __local float* const dst = atf + i * 64;
                        __global const float* src = 0;
                        if (i < n) {
                            const int rr = r + i;
                            src = A + a_off + (long)rr * 37 + k0;
                        }
                        if (src) {
                            int k = 0;
                            for (; k + 16 <= kc; k += 16) *(__local float16*)(dst + k) = *(__global const rf_float16u*)(src + k);
                            for (; k < kc; k++) dst[k] = src[k];
                        } else {
                            for (int k = 0; k < kc; k += 16) *(__local float16*)(dst + k) = (float16)(0.0f);
                        }
                    }
                    float16 acc0_0 = (float16)(0.0f), acc0_1 = (float16)(0.0f);
                    float16 acc1_0 = (float16)(0.0f), acc1_1 = (float16)(0.0f);
                    float16 acc2_0 = (float16)(0.0f), acc2_1 = (float16)(0.0f);
                    float16 acc3_0 = (float16)(0.0f), acc3_1 = (float16)(0.0f);
                    float16 acc4_0 = (float16)(0.0f), acc4_1 = (float16)(0.0f);
                    float16 acc5_0 = (float16)(0.0f), acc5_1 = (float16)(0.0f);
                    float16 acc6_0 = (float16)(0.0f), acc6_1 = (float16)(0.0f);
                    float16 acc7_0 = (float16)(0.0f), acc7_1 = (float16)(0.0f);
                    float16 acc8_0 = (float16)(0.0f), acc8_1 = (float16)(0.0f);
                    float16 acc9_0 = (float16)(0.0f), acc9_1 = (float16)(0.0f);
                    float16 acc10_0 = (float16)(0.0f), acc10_1 = (float16)(0.0f);
                    float16 acc11_0 = (float16)(0.0f), acc11_1 = (float16)(0.0f);
                    for (int k = 0; k < kc; k++) {
                        const float16 b0 = bp[k * 2];
                        const float16 b1 = bp[k * 2 + 1];
                        float e;
                        e = atf[k]; acc0_0 = fma((float16)(e), b0, acc0_0); acc0_1 = fma((float16)(e), b1, acc0_1);
                        e = atf[64 + k]; acc1_0 = fma((float16)(e), b0, acc1_0); acc1_1 = fma((float16)(e), b1, acc1_1);
                        e = atf[128 + k]; acc2_0 = fma((float16)(e), b0, acc2_0); acc2_1 = fma((float16)(e), b1, acc2_1);
                        e = atf[192 + k]; acc3_0 = fma((float16)(e), b0, acc3_0); acc3_1 = fma((float16)(e), b1, acc3_1);
                        e = atf[256 + k]; acc4_0 = fma((float16)(e), b0, acc4_0); acc4_1 = fma((float16)(e), b1, acc4_1);
                        e = atf[320 + k]; acc5_0 = fma((float16)(e), b0, acc5_0); acc5_1 = fma((float16)(e), b1, acc5_1);
                        e = atf[384 + k]; acc6_0 = fma((float16)(e), b0, acc6_0); acc6_1 = fma((float16)(e), b1, acc6_1);
                        e = atf[448 + k]; acc7_0 = fma((float16)(e), b0, acc7_0); acc7_1 = fma((float16)(e), b1, acc7_1);
                        e = atf[512 + k]; acc8_0 = fma((float16)(e), b0, acc8_0); acc8_1 = fma((float16)(e), b1, acc8_1);
                        e = atf[576 + k]; acc9_0 = fma((float16)(e), b0, acc9_0); acc9_1 = fma((float16)(e), b1, acc9_1);
                        e = atf[640 + k]; acc10_0 = fma((float16)(e), b0, acc10_0); acc10_1 = fma((float16)(e), b1, acc10_1);
                        e = atf[704 + k]; acc11_0 = fma((float16)(e), b0, acc11_0); acc11_1 = fma((float16)(e), b1, acc11_1);
                    }
                    ct[0] = acc0_0; ct[1] = acc0_1;
                    ct[2] = acc1_0; ct[3] = acc1_1;
                    ct[4] = acc2_0; ct[5] = acc2_1;
                    ct[6] = acc3_0; ct[7] = acc3_1;
                    ct[8] = acc4_0; ct[9] = acc4_1;
                    ct[10] = acc5_0; ct[11] = acc5_1;
                    ct[12] = acc6_0; ct[13] = acc6_1;
                    ct[14] = acc7_0; ct[15] = acc7_1;
                    ct[16] = acc8_0; ct[17] = acc8_1;
                    ct[18] = acc9_0; ct[19] = acc9_1;
                    ct[20] = acc10_0; ct[21] = acc10_1;
                    ct[22] = acc11_0; ct[23] = acc11_1;
                } else {
                    if (left > 1) {
                        n = min(4, left);
                        for (int i = 0; i < 4; i++) {
                            __local float* const dst = atf + i * 64;
                            __global const float* src = 0;
                            if (i < n) {
                                const int rr = r + i;
                                src = A + a_off + (long)rr * 37 + k0;
                            }
                            if (src) {
                                int k = 0;
                                for (; k + 16 <= kc; k += 16) *(__local float16*)(dst + k) = *(__global const rf_float16u*)(src + k);
                                for (; k < kc; k++) dst[k] = src[k];
                            } else {
                                for (int k = 0; k < kc; k += 16) *(__local float16*)(dst + k) = (float16)(0.0f);
                            }
                        }
                        float16 acc0_0 = (float16)(0.0f), acc0_1 = (float16)(0.0f);
                        float16 acc1_0 = (float16)(0.0f), acc1_1 = (float16)(0.0f);
                        float16 acc2_0 = (float16)(0.0f), acc2_1 = (float16)(0.0f);
                        float16 acc3_0 = (float16)(0.0f), acc3_1 = (float16)(0.0f);
                        for (int k = 0; k < kc; k++) {
                            const float16 b0 = bp[k * 2];
                            const float16 b1 = bp[k * 2 + 1];
                            float e;
                            e = atf[k]; acc0_0 = fma((float16)(e), b0, acc0_0); acc0_1 = fma((float16)(e), b1, acc0_1);
                            e = atf[64 + k]; acc1_0 = fma((float16)(e), b0, acc1_0); acc1_1 = fma((float16)(e), b1, acc1_1);
                            e = atf[128 + k]; acc2_0 = fma((float16)(e), b0, acc2_0); acc2_1 = fma((float16)(e), b1, acc2_1);
                            e = atf[192 + k]; acc3_0 = fma((float16)(e), b0, acc3_0); acc3_1 = fma((float16)(e), b1, acc3_1);
                        }
                        ct[0] = acc0_0; ct[1] = acc0_1;
                        ct[2] = acc1_0; ct[3] = acc1_1;
                        ct[4] = acc2_0; ct[5] = acc2_1;
                        ct[6] = acc3_0; ct[7] = acc3_1;
                    } else {
                        n = 1;
                        const int rr = r;
                        __global const float* src = 0;
                        src = A + a_off + (long)rr * 37 + k0;
                        float16 p0_0 = (float16)(0.0f), p0_1 = (float16)(0.0f), p1_0 = (float16)(0.0f), p1_1 = (float16)(0.0f), p2_0 = (float16)(0.0f), p2_1 = (float16)(0.0f), p3_0 = (float16)(0.0f), p3_1 = (float16)(0.0f);
                        if (src) {
                            int k = 0;
                            for (; k + 4 <= kc; k += 4) {
                                { const float e = src[k + 0]; p0_0 = fma((float16)(e), bp[(k + 0) * 2], p0_0); p0_1 = fma((float16)(e), bp[(k + 0) * 2 + 1], p0_1); }
                                { const float e = src[k + 1]; p1_0 = fma((float16)(e), bp[(k + 1) * 2], p1_0); p1_1 = fma((float16)(e), bp[(k + 1) * 2 + 1], p1_1); }
                                { const float e = src[k + 2]; p2_0 = fma((float16)(e), bp[(k + 2) * 2], p2_0); p2_1 = fma((float16)(e), bp[(k + 2) * 2 + 1], p2_1); }
                                { const float e = src[k + 3]; p3_0 = fma((float16)(e), bp[(k + 3) * 2], p3_0); p3_1 = fma((float16)(e), bp[(k + 3) * 2 + 1], p3_1); }
                            }
                            for (; k < kc; k++) {
                                { const float e = src[k]; p0_0 = fma((float16)(e), bp[(k) * 2], p0_0); p0_1 = fma((float16)(e), bp[(k) * 2 + 1], p0_1); }
                            }
                        }
                        ct[0] = (p0_0 + p1_0) + (p2_0 + p3_0); ct[1] = (p0_1 + p1_1) + (p2_1 + p3_1);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                const int rr = r + i;
                __global float* const dst = C + c_off + (long)rr * 100 + j0;
                float16 v0 = ct[i * 2], v1 = ct[i * 2 + 1];
                v0 += bias0;
                v0 = tanh(v0);
                v1 += bias1;
                v1 = tanh(v1);
                if (jp < 3) {
                    *(__global rf_float16u*)(dst) = v0;
                    *(__global rf_float16u*)(dst + 16) = v1;
                } else {
                    dst[0] = v0.s0; dst[1] = v0.s1; dst[2] = v0.s2; dst[3] = v0.s3;
                }
            }
            r += n;
        }
    }
}
