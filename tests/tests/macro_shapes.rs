//! `#[interruptible]` and `#[interruptible(unwind)]` on a varied set of
//! real-looking functions: each compiles and, with nothing interrupted,
//! returns exactly what the uninstrumented version returns.

#![allow(
    clippy::needless_pass_by_value,
    clippy::unnecessary_wraps,
    clippy::boxed_local,
    improper_ctypes_definitions
)]

use std::fmt::Debug;
use std::pin::Pin;
use std::rc::Rc;

use gracefully::ThreadExit;

/// The same functions, once per given attribute. `$abi` is the foreign
/// ABI of `extern_fn`: unwinding out of `extern "C"` would abort, so the
/// `unwind` mode (which rejects it) gets `"C-unwind"`.
macro_rules! shapes {
    ($abi:literal; $($attr:tt)*) => {
        use super::*;

        /// Doc comments stay on the function.
        $($attr)*
        #[must_use = "the total is the point"]
        pub(crate) fn generic_sum<'a, T, I>(items: I) -> Result<u64, ThreadExit>
        where
            T: Copy + Into<u64> + 'a,
            I: IntoIterator<Item = &'a T>,
        {
            let mut total = 0;
            for item in items {
                total += (*item).into();
            }
            Ok(total)
        }

        $($attr)*
        pub(crate) fn impl_trait_argument(words: impl Iterator<Item = String>) -> Result<String, ThreadExit> {
            let mut out = String::new();
            for word in words {
                out.push_str(&word);
            }
            Ok(out)
        }

        $($attr)*
        pub(crate) fn patterns_in_arguments((a, b): (u32, u32), [x, _]: [u8; 2], Wrapper(w): Wrapper) -> Result<u32, ThreadExit> {
            let mut n = a;
            while n < b {
                n += u32::from(x) + w;
            }
            Ok(n)
        }

        $($attr)*
        pub(crate) fn labelled_nested_loops(grid: &[&[i32]]) -> Result<Option<(usize, usize)>, ThreadExit> {
            let mut found = None;
            'rows: for (r, row) in grid.iter().enumerate() {
                let mut c = 0;
                'cells: loop {
                    if c == row.len() {
                        break 'cells;
                    }
                    if row[c] < 0 {
                        c += 1;
                        continue 'cells;
                    }
                    if row[c] == 0 {
                        found = Some((r, c));
                        break 'rows;
                    }
                    c += 1;
                }
            }
            Ok(found)
        }

        $($attr)*
        pub(crate) unsafe fn unsafe_fn(pointer: *const u32, len: usize) -> Result<u32, ThreadExit> {
            let mut total = 0;
            for i in 0..len {
                // SAFETY: the caller passes a valid pointer to `len` values.
                total += unsafe { *pointer.add(i) };
            }
            Ok(total)
        }

        $($attr)*
        pub(crate) extern $abi fn extern_fn(n: u32) -> Result<u32, ThreadExit> {
            let mut i = 0;
            while i < n {
                i += 1;
            }
            Ok(i)
        }

        $($attr)*
        pub(crate) fn debug_all<T: Debug>(items: &[T]) -> Result<Vec<String>, ThreadExit> {
            let mut out = Vec::new();
            for item in items {
                out.push(format!("{item:?}"));
            }
            Ok(out)
        }

        pub(crate) struct Counter {
            pub(crate) n: u32,
        }

        $($attr)*
        impl Counter {
            pub(crate) fn by_ref(&self) -> Result<u32, ThreadExit> {
                let mut n = 0;
                while n < self.n {
                    n += 1;
                }
                Ok(n)
            }

            pub(crate) fn by_mut(&mut self) -> Result<u32, ThreadExit> {
                loop {
                    if self.n == 0 {
                        return Ok(0);
                    }
                    self.n -= 1;
                }
            }

            pub(crate) fn by_value(self) -> Result<u32, ThreadExit> {
                let mut n = self.n;
                for _ in 0..3 {
                    n += 1;
                }
                Ok(n)
            }

            pub(crate) fn by_box(self: Box<Self>) -> Result<u32, ThreadExit> {
                let mut n = self.n;
                for _ in 0..2 {
                    n *= 2;
                }
                Ok(n)
            }

            pub(crate) fn by_rc(self: Rc<Self>) -> Result<u32, ThreadExit> {
                let mut n = 0;
                while n < self.n {
                    n += 2;
                }
                Ok(n)
            }

            pub(crate) fn by_pin(self: Pin<&mut Self>) -> Result<u32, ThreadExit> {
                let counter = self.get_mut();
                for _ in 0..4 {
                    counter.n += 1;
                }
                Ok(counter.n)
            }

            pub(crate) fn no_loop(&self) -> u32 {
                self.n
            }
        }
    };
}

#[derive(Debug)]
pub(crate) struct Wrapper(u32);

mod plain {
    shapes!("C";);
}

mod instrumented {
    shapes!("C"; #[gracefully::interruptible]);
}

mod unwinding {
    shapes!("C-unwind"; #[gracefully::interruptible(unwind)]);
}

mod counting {
    shapes!("C"; #[gracefully::interruptible(every = 3)]);
}

/// Runs every shape of one module and collects the results as text.
macro_rules! run_shapes {
    ($module:ident) => {{
        use $module::*;
        let data = [1u32, 2, 3, 4];
        vec![
            format!("{:?}", generic_sum(&[1u8, 2, 3])),
            format!(
                "{:?}",
                impl_trait_argument(["a", "b"].into_iter().map(String::from))
            ),
            format!("{:?}", patterns_in_arguments((1, 20), [2, 9], Wrapper(3))),
            format!("{:?}", labelled_nested_loops(&[&[-1, 5], &[3, -2, 0]])),
            // SAFETY: `data` holds four values.
            format!("{:?}", unsafe { unsafe_fn(data.as_ptr(), data.len()) }),
            format!("{:?}", extern_fn(7)),
            format!("{:?}", debug_all(&["x", "y"])),
            format!("{:?}", Counter { n: 5 }.by_ref()),
            format!("{:?}", Counter { n: 5 }.by_mut()),
            format!("{:?}", Counter { n: 5 }.by_value()),
            format!("{:?}", Box::new(Counter { n: 5 }).by_box()),
            format!("{:?}", Rc::new(Counter { n: 5 }).by_rc()),
            format!("{:?}", Pin::new(&mut Counter { n: 5 }).by_pin()),
            format!("{:?}", Counter { n: 5 }.no_loop()),
        ]
    }};
}

#[test]
fn instrumented_functions_behave_like_the_plain_ones() {
    let plain = run_shapes!(plain);
    assert_eq!(plain[0], "Ok(6)");
    assert_eq!(run_shapes!(instrumented), plain);
    assert_eq!(run_shapes!(unwinding), plain);
    assert_eq!(run_shapes!(counting), plain);
}
