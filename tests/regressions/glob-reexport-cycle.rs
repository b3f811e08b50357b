// Eight modules that glob re-export each other: resolving `m0::a::b::c`
// through the globs must not try every path through the cycle (it took
// 41 s at 8 modules, 10 s at 7: exponential).
pub mod m0 {
    pub use crate::m1::*;
    pub use crate::m2::*;
    pub use crate::m3::*;
    pub use crate::m4::*;
    pub use crate::m5::*;
    pub use crate::m6::*;
    pub use crate::m7::*;
}
pub mod m1 {
    pub use crate::m0::*;
    pub use crate::m2::*;
    pub use crate::m3::*;
    pub use crate::m4::*;
    pub use crate::m5::*;
    pub use crate::m6::*;
    pub use crate::m7::*;
}
pub mod m2 {
    pub use crate::m0::*;
    pub use crate::m1::*;
    pub use crate::m3::*;
    pub use crate::m4::*;
    pub use crate::m5::*;
    pub use crate::m6::*;
    pub use crate::m7::*;
}
pub mod m3 {
    pub use crate::m0::*;
    pub use crate::m1::*;
    pub use crate::m2::*;
    pub use crate::m4::*;
    pub use crate::m5::*;
    pub use crate::m6::*;
    pub use crate::m7::*;
}
pub mod m4 {
    pub use crate::m0::*;
    pub use crate::m1::*;
    pub use crate::m2::*;
    pub use crate::m3::*;
    pub use crate::m5::*;
    pub use crate::m6::*;
    pub use crate::m7::*;
}
pub mod m5 {
    pub use crate::m0::*;
    pub use crate::m1::*;
    pub use crate::m2::*;
    pub use crate::m3::*;
    pub use crate::m4::*;
    pub use crate::m6::*;
    pub use crate::m7::*;
}
pub mod m6 {
    pub use crate::m0::*;
    pub use crate::m1::*;
    pub use crate::m2::*;
    pub use crate::m3::*;
    pub use crate::m4::*;
    pub use crate::m5::*;
    pub use crate::m7::*;
}
pub mod m7 {
    pub use crate::m0::*;
    pub use crate::m1::*;
    pub use crate::m2::*;
    pub use crate::m3::*;
    pub use crate::m4::*;
    pub use crate::m5::*;
    pub use crate::m6::*;
}
async fn run() {
    m0::a::b::c();
}
