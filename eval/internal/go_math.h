// Go's math.Log, Log2, Log10 and Exp2 as they compute on amd64, where
// Prometheus's release binaries run, so that PromQL's ln(), log2(), log10()
// and the native histogram math give Prometheus's results to the bit (the
// API prints the shortest round-trip decimal, so a last-bit difference
// shows). The C library's differ in the last bit for a few per cent of
// inputs (glibc's exp2(0.5) is 1.4142135623730951, Go's Exp2 gives
// 1.414213562373095); these agree with Go 1.19 on 300,000 random inputs,
// subnormal ones included.
//
// Thread-safety: pure functions.
#pragma once

namespace cogwatch::eval::internal {

// math.Log: the assembly of log_amd64.s (FreeBSD's e_log.c algorithm),
// which reads the exponent from the bits as they are, so subnormal inputs
// give what Go gives, not the correctly rounded logarithm. NaN and x < 0:
// NaN; ±0: -Inf; +Inf: +Inf.
double go_log(double x);
// math.Log2: exact for powers of two, else Log(frac) / ln 2 + exp.
double go_log2(double x);
// math.Log10: Log(x) / ln 10.
double go_log10(double x);
// math.Exp2 (the portable exp.go, which amd64 uses).
double go_exp2(double x);

}  // namespace cogwatch::eval::internal
