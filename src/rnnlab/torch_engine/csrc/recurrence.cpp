// The time loops of the explicit GRU and Elman layers (see fast_cells.py), in C++: the
// same equations as the reference engine (reference/gru.py, reference/rnn.py) without
// Python's per-operation overhead. Input projections and weight gradients stay outside
// (one GEMM each over all steps); these functions run only the step-by-step recursions.
// A float GRU forward step is one fused loop over ATen's SIMD vectors (exp and tanh from
// the same SLEEF routines ATen's own sigmoid_/tanh_ use; AVX2 when kernel.py finds it);
// other dtypes go through ATen ops. Backward steps need no transcendental functions
// (they read cached activations), so each is one fused loop.
#include <ATen/cpu/vec/vec.h>
#include <torch/extension.h>
#include <vector>

using at::Tensor;

namespace {

bool has_mask(const Tensor& mask) { return mask.defined() && mask.numel() > 0; }

// Every entry point checks its inputs before reading a pointer: a CPU tensor of zx's dtype
// (float or double), contiguous, of the shape the loops index. A CUDA or meta tensor, a
// strided view or a wrong shape raises RuntimeError instead of crashing the process.
void check_input(const Tensor& t, const char* name, at::IntArrayRef shape,
                 at::ScalarType dtype) {
  TORCH_CHECK(t.defined(), name, ": expected a tensor, received an undefined one");
  TORCH_CHECK(t.device().is_cpu(), name, ": the compiled recurrence runs on the CPU only; ",
              "received a tensor on ", t.device(), " (train.kernel: nn runs on CUDA)");
  TORCH_CHECK(dtype == at::kFloat || dtype == at::kDouble,
              name, ": expected float32 or float64, received ", t.scalar_type());
  TORCH_CHECK(t.scalar_type() == dtype, name, ": expected dtype ", dtype, ", received ",
              t.scalar_type());
  TORCH_CHECK(t.sizes() == shape, name, ": expected shape ", shape, ", received ", t.sizes());
  TORCH_CHECK(t.is_contiguous(), name, ": expected a contiguous tensor");
}

// The mask is empty ("no mask") or (T, B, 1) like the inputs.
void check_mask(const Tensor& mask, int64_t T, int64_t B, at::ScalarType dtype) {
  if (has_mask(mask)) check_input(mask, "mask", {T, B, 1}, dtype);
  else TORCH_CHECK(!mask.defined() || mask.device().is_cpu(), "mask: expected a CPU tensor");
}

// The leading tensor gives T, B (and its dtype the others'): it must have the rank first.
void check_rank(const Tensor& t, const char* name, int64_t dim) {
  TORCH_CHECK(t.defined() && t.dim() == dim, name, ": expected ", dim, " dimensions, received ",
              t.defined() ? t.dim() : 0);
}

using Vec = at::vec::Vectorized<float>;

// sigma(x) = 1 / (1 + e^-x) and tanh(x) = 2 sigma(2x) - 1 on ATen's fast vector exp (about 20
// ulp): absolute errors below 1e-6, far inside float32 training noise; the float64 path
// and the backward steps are exact.
Vec sigmoid(const Vec& x) { return Vec(1.0f) / (Vec(1.0f) + x.neg().exp_u20()); }
Vec tanh(const Vec& x) { return Vec(2.0f) * sigmoid(x + x) - Vec(1.0f); }

// One float GRU forward step after the GEMM, fused. act (B, 3H) holds on entry
// zx_r + zh_r, zx_z + zh_z, zh_n (= W_hn h_{t-1} + b_hn); r and z are activated in place.
// zx_n (row stride zx_stride) is the n part of X W_ih^T + b_ih; keep (B) or null is the
// mask (1 inside the length, 0 past it: h is kept). Writes n (B, H) and h (B, H).
void gru_step_forward(float* __restrict__ act, const float* __restrict__ zx_n,
                      int64_t zx_stride, const float* __restrict__ h_prev,
                      const float* __restrict__ keep, float* __restrict__ n_out,
                      float* __restrict__ h_out, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b) {
    float* a = act + b * 3 * H;
    const float* xn = zx_n + b * zx_stride;
    const float* hp = h_prev + b * H;
    float* nb = n_out + b * H;
    float* hb = h_out + b * H;
    const bool inside = keep == nullptr || keep[b] != 0.0f;   // else: past the length
    for (int64_t j = 0; j < H; j += Vec::size()) {
      const int count = static_cast<int>(std::min<int64_t>(Vec::size(), H - j));
      const Vec r = sigmoid(Vec::loadu(a + j, count));
      const Vec z = sigmoid(Vec::loadu(a + H + j, count));
      const Vec n_in = (Vec::loadu(xn + j, count) + r * Vec::loadu(a + 2 * H + j, count));
      const Vec n = tanh(n_in);
      const Vec h_before = Vec::loadu(hp + j, count);
      r.store(a + j, count);
      z.store(a + H + j, count);
      n.store(nb + j, count);
      (inside ? n + z * (h_before - n) : h_before).store(hb + j, count);  // (1-z) n + z h
    }
  }
}

// One GRU backward step, fused. Rows are contiguous: act (B, 3H) = r, z (activated) and
// W_hn h_{t-1} + b_hn; n (B, H); h_prev (B, H); dy and dh_next (B, H), whose sum is
// dL/dh_t. Writes d_zx (B, 3H) = delta, d_zh (B, 3H) = delta_h, dh_z (B, H) = dh * z.
template <typename scalar_t>
void gru_step_backward(const scalar_t* __restrict__ act, const scalar_t* __restrict__ n_t,
                       const scalar_t* __restrict__ h_prev, const scalar_t* __restrict__ dy,
                       const scalar_t* __restrict__ dh_next, scalar_t* __restrict__ d_zx,
                       scalar_t* __restrict__ d_zh, scalar_t* __restrict__ dh_z, int64_t B,
                       int64_t H) {
  for (int64_t b = 0; b < B; ++b) {
    const scalar_t* g = act + b * 3 * H;
    const scalar_t* nb = n_t + b * H;
    const scalar_t* hp = h_prev + b * H;
    const scalar_t* d_out = dy + b * H;
    const scalar_t* d_rec = dh_next + b * H;
    scalar_t* dx = d_zx + b * 3 * H;
    scalar_t* dhh = d_zh + b * 3 * H;
    scalar_t* dz_out = dh_z + b * H;
#pragma omp simd
    for (int64_t j = 0; j < H; ++j) {
      const scalar_t dh = d_out[j] + d_rec[j];
      const scalar_t r = g[j], z = g[H + j], zhn = g[2 * H + j], n = nb[j];
      const scalar_t delta_n = dh * (1 - z) * (1 - n * n);
      const scalar_t delta_z = dh * (hp[j] - n) * z * (1 - z);
      const scalar_t delta_r = delta_n * zhn * r * (1 - r);
      dx[j] = delta_r;
      dx[H + j] = delta_z;
      dx[2 * H + j] = delta_n;
      dhh[j] = delta_r;
      dhh[H + j] = delta_z;
      dhh[2 * H + j] = delta_n * r;
      dz_out[j] = dh * z;
    }
  }
}

// delta = dh f'(z) over count elements, from h = f(z): 1 - h^2 (tanh) or [h > 0] (relu).
template <typename scalar_t>
void rnn_step_backward(const scalar_t* __restrict__ h, const scalar_t* __restrict__ dh,
                       scalar_t* __restrict__ delta, int64_t count, bool relu) {
  if (relu) {
#pragma omp simd
    for (int64_t i = 0; i < count; ++i) delta[i] = h[i] > 0 ? dh[i] : scalar_t(0);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < count; ++i) delta[i] = dh[i] * (1 - h[i] * h[i]);
  }
}

}  // namespace

// GRU forward. zx (T, B, 3H) = X W_ih^T + b_ih; h0 (B, H); W_hh (3H, H); b_hh (3H);
// mask (T, B, 1) or empty. Returns hs (T+1, B, H); act (T, B, 3H) = r_t, z_t and
// W_hn h_{t-1} + b_hn; n (T, B, H).
std::vector<Tensor> gru_forward(const Tensor& zx, const Tensor& h0, const Tensor& W_hh,
                                const Tensor& b_hh, const Tensor& mask) {
  check_rank(zx, "zx", 3);
  check_rank(h0, "h0", 2);
  const auto T = zx.size(0), B = zx.size(1), H = h0.size(1);
  const auto dtype = zx.scalar_type();
  check_input(zx, "zx", {T, B, 3 * H}, dtype);
  check_input(h0, "h0", {B, H}, dtype);
  check_input(W_hh, "W_hh", {3 * H, H}, dtype);
  check_input(b_hh, "b_hh", {3 * H}, dtype);
  check_mask(mask, T, B, dtype);
  // act starts as [zx_r + b_hr, zx_z + b_hz, b_hn]: each step's GEMM adds W_hh h_{t-1},
  // then r and z are activated in place.
  auto act = at::empty({T, B, 3 * H}, zx.options());
  act.narrow(2, 0, 2 * H).copy_(zx.narrow(2, 0, 2 * H)).add_(b_hh.narrow(0, 0, 2 * H));
  act.narrow(2, 2 * H, H).copy_(b_hh.narrow(0, 2 * H, H).expand({T, B, H}));
  auto hs = at::empty({T + 1, B, H}, zx.options());
  auto n_all = at::empty({T, B, H}, zx.options());
  auto h_new = at::empty({B, H}, zx.options());
  const auto W_hh_t = W_hh.t();
  const bool masked = has_mask(mask);
  const auto h_views = hs.unbind(0), a_views = act.unbind(0), n_views = n_all.unbind(0);
  const auto zx_views = zx.unbind(0);
  h_views[0].copy_(h0);
  const bool fused = zx.scalar_type() == at::kFloat && zx.stride(1) == 3 * H &&
                     zx.stride(2) == 1;
  for (int64_t t = 0; t < T; ++t) {
    const auto& h_prev = h_views[t];
    auto a = a_views[t];
    a.addmm_(h_prev, W_hh_t);                                      // + W_hh h_{t-1}
    if (fused) {
      gru_step_forward(a.data_ptr<float>(), zx_views[t].data_ptr<float>() + 2 * H, 3 * H,
                       h_prev.data_ptr<float>(),
                       masked ? mask[t].data_ptr<float>() : nullptr,  // zx's dtype
                       n_views[t].data_ptr<float>(), h_views[t + 1].data_ptr<float>(), B, H);
      continue;
    }
    auto rz = a.narrow(1, 0, 2 * H);
    rz.sigmoid_();                                                 // r_t, z_t in place
    auto n = n_views[t];
    at::addcmul_out(n, zx_views[t].narrow(1, 2 * H, H), rz.narrow(1, 0, H),
                    a.narrow(1, 2 * H, H)).tanh_();                // n_t
    auto h_out = h_views[t + 1];
    auto z = rz.narrow(1, H, H);
    if (masked) {
      at::lerp_out(h_new, n, h_prev, z);                           // n + z (h_{t-1} - n)
      at::lerp_out(h_out, h_prev, h_new, mask[t]);                 // past the length: keep
    } else {
      at::lerp_out(h_out, n, h_prev, z);
    }
  }
  return {hs, act, n_all};
}

// GRU backward. dy (T, B, H), dh_n (B, H). Returns d_zx (T, B, 3H) (delta),
// d_zh (T, B, 3H) (delta_h) and dh0 (B, H).
std::vector<Tensor> gru_backward(const Tensor& dy, const Tensor& dh_n, const Tensor& hs,
                                 const Tensor& act, const Tensor& n_all, const Tensor& W_hh,
                                 const Tensor& mask) {
  check_rank(dy, "dy", 3);
  const auto T = dy.size(0), B = dy.size(1), H = dy.size(2);
  const auto dtype = dy.scalar_type();
  check_input(dy, "dy", {T, B, H}, dtype);
  check_input(dh_n, "dh_n", {B, H}, dtype);
  check_input(hs, "hs", {T + 1, B, H}, dtype);
  check_input(act, "act", {T, B, 3 * H}, dtype);
  check_input(n_all, "n_all", {T, B, H}, dtype);
  check_input(W_hh, "W_hh", {3 * H, H}, dtype);
  check_mask(mask, T, B, dtype);
  auto d_zx = at::empty({T, B, 3 * H}, dy.options());
  auto d_zh = at::empty({T, B, 3 * H}, dy.options());
  auto dh_z = at::empty({B, H}, dy.options());
  auto dh_next = dh_n.contiguous().clone();
  const bool masked = has_mask(mask);
  for (int64_t t = T - 1; t >= 0; --t) {
    Tensor carried, dy_t = dy[t];
    if (masked) {                                                  // past the length: pass dh on
      carried = (dy_t + dh_next) * (1.0 - mask[t]);
      dy_t = dy_t * mask[t];
      dh_next.mul_(mask[t]);
    }
    AT_DISPATCH_FLOATING_TYPES(dy.scalar_type(), "gru_step_backward", [&] {
      gru_step_backward<scalar_t>(
          act[t].data_ptr<scalar_t>(), n_all[t].data_ptr<scalar_t>(), hs[t].data_ptr<scalar_t>(),
          dy_t.data_ptr<scalar_t>(), dh_next.data_ptr<scalar_t>(), d_zx[t].data_ptr<scalar_t>(),
          d_zh[t].data_ptr<scalar_t>(), dh_z.data_ptr<scalar_t>(), B, H);
    });
    at::addmm_out(dh_next, dh_z, d_zh[t], W_hh);                   // dh z + W_hh^T delta_h
    if (masked) dh_next.add_(carried);
  }
  return {d_zx, d_zh, dh_next};
}

// Elman forward. zx (T, B, H) = X W_ih^T + b_ih + b_hh. Returns hs (T+1, B, H).
Tensor rnn_forward(const Tensor& zx, const Tensor& h0, const Tensor& W_hh, bool relu,
                   const Tensor& mask) {
  check_rank(zx, "zx", 3);
  check_rank(h0, "h0", 2);
  const auto T = zx.size(0), B = zx.size(1), H = h0.size(1);
  const auto dtype = zx.scalar_type();
  check_input(zx, "zx", {T, B, H}, dtype);
  check_input(h0, "h0", {B, H}, dtype);
  check_input(W_hh, "W_hh", {H, H}, dtype);
  check_mask(mask, T, B, dtype);
  auto hs = at::empty({T + 1, B, H}, zx.options());
  auto h_new = at::empty({B, H}, zx.options());
  const auto W_hh_t = W_hh.t();
  const bool masked = has_mask(mask);
  hs[0].copy_(h0);
  for (int64_t t = 0; t < T; ++t) {
    auto h_out = hs[t + 1];
    auto target = masked ? h_new : h_out;
    at::addmm_out(target, zx[t], hs[t], W_hh_t);                   // z_t
    if (relu) target.relu_(); else target.tanh_();                 // h_t = f(z_t)
    if (masked) at::lerp_out(h_out, hs[t], h_new, mask[t]);
  }
  return hs;
}

// Elman backward. Returns deltas (T, B, H) and dh0 (B, H).
std::vector<Tensor> rnn_backward(const Tensor& dy, const Tensor& dh_n, const Tensor& hs,
                                 const Tensor& W_hh, bool relu, const Tensor& mask) {
  check_rank(dy, "dy", 3);
  const auto T = dy.size(0), B = dy.size(1), H = dy.size(2);
  const auto dtype = dy.scalar_type();
  check_input(dy, "dy", {T, B, H}, dtype);
  check_input(dh_n, "dh_n", {B, H}, dtype);
  check_input(hs, "hs", {T + 1, B, H}, dtype);
  check_input(W_hh, "W_hh", {H, H}, dtype);
  check_mask(mask, T, B, dtype);
  auto deltas = at::empty({T, B, H}, dy.options());
  auto dh = at::empty({B, H}, dy.options());
  auto dh_next = dh_n.contiguous().clone();
  const bool masked = has_mask(mask);
  for (int64_t t = T - 1; t >= 0; --t) {
    at::add_out(dh, dy[t], dh_next);
    Tensor carried;
    if (masked) {
      carried = dh * (1.0 - mask[t]);
      dh.mul_(mask[t]);
    }
    auto delta = deltas[t];
    AT_DISPATCH_FLOATING_TYPES(dy.scalar_type(), "rnn_step_backward", [&] {
      rnn_step_backward<scalar_t>(hs[t + 1].data_ptr<scalar_t>(), dh.data_ptr<scalar_t>(),
                                  delta.data_ptr<scalar_t>(), B * H, relu);
    });
    at::mm_out(dh_next, delta, W_hh);                              // W_hh^T delta_t
    if (masked) dh_next.add_(carried);
  }
  return {deltas, dh_next};
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("gru_forward", &gru_forward, "GRU recurrence, forward");
  m.def("gru_backward", &gru_backward, "GRU recurrence, BPTT");
  m.def("rnn_forward", &rnn_forward, "Elman recurrence, forward");
  m.def("rnn_backward", &rnn_backward, "Elman recurrence, BPTT");
}
