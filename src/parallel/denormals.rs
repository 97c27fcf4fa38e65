//! Denormal (subnormal) numbers flushed to zero. Arithmetic on them takes tens to hundreds of
//! cycles on many CPUs instead of one, and training makes them: weights, gradients and Adam's
//! second moments drift towards zero and pass through the subnormal range (below 1.2 × 10⁻³⁸ in
//! f32). Every task of the pool and the whole of a training run therefore compute with the CPU's
//! flush-to-zero and denormals-are-zero modes on (x86-64: the FTZ and DAZ bits of MXCSR; aarch64:
//! FZ of FPCR), on every thread alike, so the results still do not depend on the thread count.
//! The effect on results: a value that would be subnormal is 0 instead (a change below 10⁻³⁸ in
//! f32), which only shows where such values occur.

/// While alive, the current thread computes with denormals flushed to zero; dropping it restores
/// the thread's previous mode (so a library call leaves its caller's floating-point state as it was).
pub(crate) struct Flush {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    saved: Mode,
}

impl Flush {
    /// Turns flushing on for the current thread until the value is dropped.
    pub(crate) fn new() -> Flush {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        {
            let saved = read();
            write(saved | FLUSH_BITS);
            Flush { saved }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        Flush {}
    }
}

impl Drop for Flush {
    fn drop(&mut self) {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        write(self.saved);
    }
}

/// Turns flushing on for the current thread for good (the pool's own worker threads).
pub(crate) fn flush_for_this_thread() {
    std::mem::forget(Flush::new());
}

/// Whether the current thread flushes denormals to zero now.
#[cfg(test)]
pub(crate) fn flushing() -> bool {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    return read() & FLUSH_BITS == FLUSH_BITS;
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    false
}

#[cfg(target_arch = "x86_64")]
type Mode = u32;
/// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6).
#[cfg(target_arch = "x86_64")]
const FLUSH_BITS: Mode = (1 << 15) | (1 << 6);

#[cfg(target_arch = "x86_64")]
fn read() -> Mode {
    let mut csr: u32 = 0;
    // SAFETY: stores MXCSR into a local u32; no other effect.
    unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
    csr
}

#[cfg(target_arch = "x86_64")]
fn write(csr: Mode) {
    // SAFETY: loads MXCSR from a value read from it with only the FTZ/DAZ bits changed: rounding
    // mode and exception masks stay as they were.
    unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly, preserves_flags)) };
}

#[cfg(target_arch = "aarch64")]
type Mode = u64;
/// FPCR's flush-to-zero (bit 24).
#[cfg(target_arch = "aarch64")]
const FLUSH_BITS: Mode = 1 << 24;

#[cfg(target_arch = "aarch64")]
fn read() -> Mode {
    let fpcr: u64;
    // SAFETY: reads FPCR; no other effect.
    unsafe { std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack, preserves_flags)) };
    fpcr
}

#[cfg(target_arch = "aarch64")]
fn write(fpcr: Mode) {
    // SAFETY: writes FPCR with only the FZ bit changed from a value read from it.
    unsafe { std::arch::asm!("msr fpcr, {}", in(reg) fpcr, options(nomem, nostack, preserves_flags)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subnormal product is 0 while flushing, and the mode is restored afterwards.
    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn subnormals_are_zero_while_flushing_and_the_mode_comes_back() {
        let tiny = std::hint::black_box(1e-30f32);
        let before = flushing();
        assert!(std::hint::black_box(tiny * 1e-10) > 0.0, "subnormal without flushing");
        {
            let _flush = Flush::new();
            assert!(flushing());
            assert_eq!(std::hint::black_box(tiny * 1e-10), 0.0);
            // Subnormal inputs count as zero too.
            let sub = std::hint::black_box(f32::from_bits(1));
            assert_eq!(std::hint::black_box(sub * 2.0), 0.0);
        }
        assert_eq!(flushing(), before);
        assert!(std::hint::black_box(tiny * 1e-10) > 0.0);
    }
}
