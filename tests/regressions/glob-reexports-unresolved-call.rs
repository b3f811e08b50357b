// Six glob re-exports and one call that resolves to nothing: every glob is
// tried at every prefix of every rewritten path, and each rewrite makes a
// new, longer path (`regression::m1::m0::missing`), so the memo never hits.
// 2 globs: 0.05 s, 3: 0.3 s, 4: 5.8 s, 5: 43 s, 6: over a minute, before
// re-exports were resolved segment by segment. Real crates do this
// (redox_syscall's lib.rs; futures-util, hyper, libc, rustix, redis and
// icu_locale_core hung the same way).
pub use self::{m0::*, m1::*, m2::*, m3::*, m4::*, m5::*};

pub fn run() {
    missing();
}
