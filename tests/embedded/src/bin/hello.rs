//! The bare firmware the budgets are measured against: the same runtime, semihosting output,
//! stack painting and fault handler as the verifying images, and no sealkit code.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use sealkit_embedded::{exit, paint_stack, stack_capacity, stack_peak};

sealkit_embedded::fault_handler!();

#[entry]
fn main() -> ! {
    let _ = paint_stack();
    let peak = stack_peak();
    hprintln!("hello from the Cortex-M");
    hprintln!("stack_peak={} stack_capacity={}", peak, stack_capacity());
    exit(true)
}
