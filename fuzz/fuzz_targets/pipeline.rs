//! cargo-fuzz target over read -> plan -> render of every format.
#![no_main]

include!("../exercise.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| exercise(data));
