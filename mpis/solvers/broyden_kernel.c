/* One iteration of mpis/solvers/broyden.py's good Broyden, after its VJP, in one pass per sample.
 *
 * Per sample b (rows of length dim):  g = out - beta + rhs  (the adjoint residual, its squares summed)
 *   restart:  s_new = g                                        (H = -I again; the history is dropped)
 *   else:     z = g;  z += s_{j+1} (s_j . z) / |s_j|^2  for j < pairs
 *             s_new = z / (1 - (s_pairs . z) / |s_pairs|^2)     (z when that update is singular)
 *   beta_next = beta + s_new;  inverse_squares[b, new_index] = 1 / |s_new|^2  (0 for a zero step)
 * steps[j] points at the history's step j, a (batch, dim) array; inverse_squares is (batch, width).
 * Returns the sum of g^2 over the batch. Every array is distinct and contiguous.
 */
#include <math.h>

#define DEFINE_BROYDEN_STEP(NAME, T)                                                                \
static T NAME##_dot(const T *restrict x, const T *restrict y, long n) {                             \
    T sum = 0;                                                                                      \
    _Pragma("omp simd reduction(+:sum)")                                                            \
    for (long d = 0; d < n; ++d) sum += x[d] * y[d];                                                \
    return sum;                                                                                     \
}                                                                                                   \
double NAME(const T *restrict out, const T *restrict beta, const T *restrict rhs,                  \
            const T *const *steps, T *inverse_squares, long batch, long dim, long width,    \
            long pairs, long restart, long new_index, T *restrict new_step, T *restrict beta_next) { \
    double total = 0.0;                                                                             \
    for (long b = 0; b < batch; ++b) {                                                              \
        const long o = b * dim;                                                                     \
        T *restrict z = new_step + o;                                                               \
        const T *inverse = inverse_squares + b * width;                                             \
        T squares = 0;                                                                              \
        _Pragma("omp simd reduction(+:squares)")                                                    \
        for (long d = 0; d < dim; ++d) {                                                            \
            z[d] = out[o + d] - beta[o + d] + rhs[o + d];                                           \
            squares += z[d] * z[d];                                                                 \
        }                                                                                           \
        total += squares;                                                                           \
        T factor = 1;                                                                               \
        if (!restart) {                                                                             \
            for (long j = 0; j < pairs; ++j) {                                                      \
                const T c = NAME##_dot(steps[j] + o, z, dim) * inverse[j];                          \
                const T *restrict next = steps[j + 1] + o;                                          \
                _Pragma("omp simd")                                                                 \
                for (long d = 0; d < dim; ++d) z[d] += c * next[d];                                 \
            }                                                                                       \
            const double f = 1.0 / (1.0 - (double)NAME##_dot(steps[pairs] + o, z, dim) * inverse[pairs]); \
            factor = isfinite(f) ? (T)f : (T)1;                                                     \
        }                                                                                           \
        T norm = 0;                                                                                 \
        _Pragma("omp simd reduction(+:norm)")                                                       \
        for (long d = 0; d < dim; ++d) {                                                            \
            z[d] *= factor;                                                                         \
            beta_next[o + d] = beta[o + d] + z[d];                                                  \
            norm += z[d] * z[d];                                                                    \
        }                                                                                           \
        const double inverse_new = 1.0 / (double)norm;                                              \
        inverse_squares[b * width + new_index] = isfinite(inverse_new) ? (T)inverse_new : (T)0;     \
    }                                                                                               \
    return total;                                                                                   \
}

DEFINE_BROYDEN_STEP(broyden_step_float32, float)
DEFINE_BROYDEN_STEP(broyden_step_float64, double)
