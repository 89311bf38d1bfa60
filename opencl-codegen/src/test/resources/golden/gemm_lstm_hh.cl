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

/* lstm_hh: C[M, 1000] = A[M, 250] . B[1000, 250]^T + bias; rows STEP_INIT, masked past each sequence's end; B packed by lstm_hh_pack. Tiles 12 and 4 x 32, k chunk 250 */
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void lstm_hh(__global const float* restrict A, int a_off, __global const float* restrict B, int b_off, __global const float* restrict bias, int bias_off, __global float* restrict C, int c_off, int M, __global const int* restrict lengths, int t0, int batch, int d, __global const float* restrict init, int init_off)
{
    __local float16 at[204]; /* gathered A rows, [12][272] */
    __local float* const atf = (__local float*)at;
    __local float16 ct[24]; /* a tile's sums, [12][32], for the epilogue */
    const int jp = get_global_id(0);
    const int j0 = jp * 32;
    const int groups = get_global_size(1);
    /* rows [r0, r1) of this work-group, whole large tiles but for the last group */
    const int per = ((M + groups - 1) / groups + 11) / 12 * 12;
    const int r0 = get_global_id(1) * per;
    const int r1 = min(M, r0 + per);
    if (r0 >= r1 || jp >= 32) return;
    __global const float* const bsrc = bias + bias_off + j0;
    float16 bias0, bias1;
    if (jp < 31) {
        bias0 = *(__global const rf_float16u*)(bsrc);
        bias1 = *(__global const rf_float16u*)(bsrc + 16);
    } else {
        bias0 = (float16)(bsrc[0], bsrc[1], bsrc[2], bsrc[3], bsrc[4], bsrc[5], bsrc[6], bsrc[7], 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f);
        bias1 = (float16)(0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f);
    }
    for (int k0 = 0; k0 < 250; k0 += 250) {
        const int kc = min(250, 250 - k0);
        __global const float* const pb = B + b_off + ((long)jp * 250 + k0) * 32;
        for (int r = r0; r < r1; ) {
            const int left = r1 - r;
            int n;
            int arow = -1;
            /* rows of one step whose reads are all valid are consecutive rows of A */
            if (left >= 12 && r % batch + 12 <= batch) {
                const int b0 = r % batch;
                const int s = t0 + r / batch - d;
                int valid = s >= 0;
                for (int i = 0; i < 12; i++) valid = valid && s < lengths[b0 + i];
                if (valid) arow = s * batch + b0;
            }
            if (arow >= 0) {
                /* 12 consecutive rows of A, read in place */
                __global const float* const ap = A + a_off + (long)arow * 250 + k0;
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
                    const float16 b0 = *(__global const rf_float16u*)(pb + k * 32);
                    const float16 b1 = *(__global const rf_float16u*)(pb + k * 32 + 16);
                    float e;
                    e = ap[k]; acc0_0 = fma((float16)(e), b0, acc0_0); acc0_1 = fma((float16)(e), b1, acc0_1);
                    e = ap[250 + k]; acc1_0 = fma((float16)(e), b0, acc1_0); acc1_1 = fma((float16)(e), b1, acc1_1);
                    e = ap[500 + k]; acc2_0 = fma((float16)(e), b0, acc2_0); acc2_1 = fma((float16)(e), b1, acc2_1);
                    e = ap[750 + k]; acc3_0 = fma((float16)(e), b0, acc3_0); acc3_1 = fma((float16)(e), b1, acc3_1);
                    e = ap[1000 + k]; acc4_0 = fma((float16)(e), b0, acc4_0); acc4_1 = fma((float16)(e), b1, acc4_1);
                    e = ap[1250 + k]; acc5_0 = fma((float16)(e), b0, acc5_0); acc5_1 = fma((float16)(e), b1, acc5_1);
                    e = ap[1500 + k]; acc6_0 = fma((float16)(e), b0, acc6_0); acc6_1 = fma((float16)(e), b1, acc6_1);
                    e = ap[1750 + k]; acc7_0 = fma((float16)(e), b0, acc7_0); acc7_1 = fma((float16)(e), b1, acc7_1);
                    e = ap[2000 + k]; acc8_0 = fma((float16)(e), b0, acc8_0); acc8_1 = fma((float16)(e), b1, acc8_1);
                    e = ap[2250 + k]; acc9_0 = fma((float16)(e), b0, acc9_0); acc9_1 = fma((float16)(e), b1, acc9_1);
                    e = ap[2500 + k]; acc10_0 = fma((float16)(e), b0, acc10_0); acc10_1 = fma((float16)(e), b1, acc10_1);
                    e = ap[2750 + k]; acc11_0 = fma((float16)(e), b0, acc11_0); acc11_1 = fma((float16)(e), b1, acc11_1);
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
                        __local float* const dst = atf + i * 272;
                        __global const float* src = 0;
                        if (i < n) {
                            const int rr = r + i;
                            const int b = rr % batch;
                            const int s = t0 + rr / batch - d;
                            if (s >= 0 && s < lengths[b]) src = A + a_off + ((long)s * batch + b) * 250 + k0;
                            else src = init + init_off + (long)b * 250 + k0;
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
                        const float16 b0 = *(__global const rf_float16u*)(pb + k * 32);
                        const float16 b1 = *(__global const rf_float16u*)(pb + k * 32 + 16);
                        float e;
                        e = atf[k]; acc0_0 = fma((float16)(e), b0, acc0_0); acc0_1 = fma((float16)(e), b1, acc0_1);
                        e = atf[272 + k]; acc1_0 = fma((float16)(e), b0, acc1_0); acc1_1 = fma((float16)(e), b1, acc1_1);
                        e = atf[544 + k]; acc2_0 = fma((float16)(e), b0, acc2_0); acc2_1 = fma((float16)(e), b1, acc2_1);
                        e = atf[816 + k]; acc3_0 = fma((float16)(e), b0, acc3_0); acc3_1 = fma((float16)(e), b1, acc3_1);
                        e = atf[1088 + k]; acc4_0 = fma((float16)(e), b0, acc4_0); acc4_1 = fma((float16)(e), b1, acc4_1);
                        e = atf[1360 + k]; acc5_0 = fma((float16)(e), b0, acc5_0); acc5_1 = fma((float16)(e), b1, acc5_1);
                        e = atf[1632 + k]; acc6_0 = fma((float16)(e), b0, acc6_0); acc6_1 = fma((float16)(e), b1, acc6_1);
                        e = atf[1904 + k]; acc7_0 = fma((float16)(e), b0, acc7_0); acc7_1 = fma((float16)(e), b1, acc7_1);
                        e = atf[2176 + k]; acc8_0 = fma((float16)(e), b0, acc8_0); acc8_1 = fma((float16)(e), b1, acc8_1);
                        e = atf[2448 + k]; acc9_0 = fma((float16)(e), b0, acc9_0); acc9_1 = fma((float16)(e), b1, acc9_1);
                        e = atf[2720 + k]; acc10_0 = fma((float16)(e), b0, acc10_0); acc10_1 = fma((float16)(e), b1, acc10_1);
                        e = atf[2992 + k]; acc11_0 = fma((float16)(e), b0, acc11_0); acc11_1 = fma((float16)(e), b1, acc11_1);
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
                            __local float* const dst = atf + i * 272;
                            __global const float* src = 0;
                            if (i < n) {
                                const int rr = r + i;
                                const int b = rr % batch;
                                const int s = t0 + rr / batch - d;
                                if (s >= 0 && s < lengths[b]) src = A + a_off + ((long)s * batch + b) * 250 + k0;
                                else src = init + init_off + (long)b * 250 + k0;
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
                            const float16 b0 = *(__global const rf_float16u*)(pb + k * 32);
                            const float16 b1 = *(__global const rf_float16u*)(pb + k * 32 + 16);
                            float e;
                            e = atf[k]; acc0_0 = fma((float16)(e), b0, acc0_0); acc0_1 = fma((float16)(e), b1, acc0_1);
                            e = atf[272 + k]; acc1_0 = fma((float16)(e), b0, acc1_0); acc1_1 = fma((float16)(e), b1, acc1_1);
                            e = atf[544 + k]; acc2_0 = fma((float16)(e), b0, acc2_0); acc2_1 = fma((float16)(e), b1, acc2_1);
                            e = atf[816 + k]; acc3_0 = fma((float16)(e), b0, acc3_0); acc3_1 = fma((float16)(e), b1, acc3_1);
                        }
                        ct[0] = acc0_0; ct[1] = acc0_1;
                        ct[2] = acc1_0; ct[3] = acc1_1;
                        ct[4] = acc2_0; ct[5] = acc2_1;
                        ct[6] = acc3_0; ct[7] = acc3_1;
                    } else {
                        n = 1;
                        const int rr = r;
                        __global const float* src = 0;
                        const int b = rr % batch;
                        const int s = t0 + rr / batch - d;
                        if (s >= 0 && s < lengths[b]) src = A + a_off + ((long)s * batch + b) * 250 + k0;
                        else src = init + init_off + (long)b * 250 + k0;
                        float16 p0_0 = (float16)(0.0f), p0_1 = (float16)(0.0f), p1_0 = (float16)(0.0f), p1_1 = (float16)(0.0f), p2_0 = (float16)(0.0f), p2_1 = (float16)(0.0f), p3_0 = (float16)(0.0f), p3_1 = (float16)(0.0f);
                        if (src) {
                            int k = 0;
                            for (; k + 4 <= kc; k += 4) {
                                { const float e = src[k + 0]; p0_0 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 0) * 32), p0_0); p0_1 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 0) * 32 + 16), p0_1); }
                                { const float e = src[k + 1]; p1_0 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 1) * 32), p1_0); p1_1 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 1) * 32 + 16), p1_1); }
                                { const float e = src[k + 2]; p2_0 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 2) * 32), p2_0); p2_1 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 2) * 32 + 16), p2_1); }
                                { const float e = src[k + 3]; p3_0 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 3) * 32), p3_0); p3_1 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k + 3) * 32 + 16), p3_1); }
                            }
                            for (; k < kc; k++) {
                                { const float e = src[k]; p0_0 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k) * 32), p0_0); p0_1 = fma((float16)(e), *(__global const rf_float16u*)(pb + (k) * 32 + 16), p0_1); }
                            }
                        }
                        ct[0] = (p0_0 + p1_0) + (p2_0 + p3_0); ct[1] = (p0_1 + p1_1) + (p2_1 + p3_1);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                const int rr = r + i;
                __global float* const dst = C + c_off + (long)rr * 1000 + j0;
                float16 v0 = ct[i * 2], v1 = ct[i * 2 + 1];
                v0 += bias0;
                v1 += bias1;
                if (t0 + rr / batch >= lengths[rr % batch]) { v0 = (float16)(0.0f); v1 = (float16)(0.0f); }
                if (jp < 31) {
                    *(__global rf_float16u*)(dst) = v0;
                    *(__global rf_float16u*)(dst + 16) = v1;
                } else {
                    dst[0] = v0.s0; dst[1] = v0.s1; dst[2] = v0.s2; dst[3] = v0.s3; dst[4] = v0.s4; dst[5] = v0.s5; dst[6] = v0.s6; dst[7] = v0.s7;
                }
            }
            r += n;
        }
    }
}
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

/* lstm_hh_pack: B [1000, 250] into 32 panels [250][32], zero past column 1000; work-item (panel, 16 k) */
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void lstm_hh_pack(__global const float* restrict B, int b_off, __global float* restrict P, int p_off)
{
    const int jp = get_global_id(0);
    const int j0 = jp * 32;
    const int k0 = get_global_id(1) * 16;
    if (k0 >= 250 || jp >= 32) return;
    const int kc = min(16, 250 - k0);
    __global float* const dst = P + p_off + ((long)jp * 250 + k0) * 32;
    if (jp < 31) {
        /* 4 x 4 blocks: four rows of B, four k, transposed through float4 registers */
        for (int h = 0; h < 8; h++) {
            __global const float* const src = B + b_off + (long)(j0 + 4 * h) * 250 + k0;
            int k = 0;
            for (; k + 4 <= kc; k += 4) {
                const float4 q0 = *(__global const rf_float4u*)(src + k);
                const float4 q1 = *(__global const rf_float4u*)(src + 250 + k);
                const float4 q2 = *(__global const rf_float4u*)(src + 500 + k);
                const float4 q3 = *(__global const rf_float4u*)(src + 750 + k);
                *(__global rf_float4u*)(dst + (k + 0) * 32 + 4 * h) = (float4)(q0.s0, q1.s0, q2.s0, q3.s0);
                *(__global rf_float4u*)(dst + (k + 1) * 32 + 4 * h) = (float4)(q0.s1, q1.s1, q2.s1, q3.s1);
                *(__global rf_float4u*)(dst + (k + 2) * 32 + 4 * h) = (float4)(q0.s2, q1.s2, q2.s2, q3.s2);
                *(__global rf_float4u*)(dst + (k + 3) * 32 + 4 * h) = (float4)(q0.s3, q1.s3, q2.s3, q3.s3);
            }
            for (; k < kc; k++) for (int jj = 0; jj < 4; jj++) dst[k * 32 + 4 * h + jj] = src[jj * 250 + k];
        }
    } else {
        for (int k = 0; k < kc; k++) for (int jj = 0; jj < 32; jj++) dst[k * 32 + jj] = jj < 8 ? B[b_off + (long)(j0 + jj) * 250 + k0 + k] : 0.0f;
    }
}
