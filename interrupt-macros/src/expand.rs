//! Assembles the output of `#[interruptible]` from the validated model, and
//! owns the runtime path that generated code names.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{Block, Expr, Stmt, parse_quote, parse_quote_spanned};

use crate::args::Args;
use crate::diag::{Diag, with_error};
use crate::item::Item;
use crate::rewrite::{self, Checkpoint, Points};
use crate::validate;

/// `#[interruptible(args)] input`.
pub(crate) fn interruptible(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut diag = Diag::new();
    let args = Args::parse(args, &mut diag);
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        // Not ours to rewrite: emit it as it came, so rustc reports its own
        // errors too, and the rest of the crate still sees it.
        Err(error) => return with_error(input, error),
    };

    // Scan a copy: strip the markers, count the loops, check each function.
    validate::item(&item, &args, &mut diag);
    let mut stripped = item.clone();
    for function in stripped.functions_mut() {
        let is_async = function.sig.asyncness.is_some();
        let points = rewrite::body(function.block, is_async, None, &mut diag);
        validate::function(function.sig, &args, points, &mut diag);
    }
    if let Err(error) = diag.finish() {
        return with_error(stripped.into_token_stream(), error);
    }

    let checkpoints = Checkpoints::new(&args);
    let mut item = item;
    for function in item.functions_mut() {
        let is_async = function.sig.asyncness.is_some();
        // The scan above found no errors; this pass finds the same ones.
        let points = rewrite::body(
            function.block,
            is_async,
            Some(&checkpoints),
            &mut Diag::new(),
        );
        checkpoints.hoist(function.block, points);
    }
    item.into_token_stream()
}

/// The path generated code names the facade by: `::gracefully`, or the
/// `crate = path` option. Every macro computes it here.
pub(crate) fn root(krate: Option<&syn::Path>) -> TokenStream {
    krate.map_or_else(|| quote!(::gracefully), ToTokens::to_token_stream)
}

/// What the checkpoints of one item look like.
struct Checkpoints {
    /// The facade crate: `::gracefully`, or the `crate = path` option.
    root: TokenStream,
    unwind: Option<Span>,
    every: Option<u32>,
    /// The local that holds the current scope, fetched once per call.
    checkpoint: Ident,
}

impl Checkpoints {
    fn new(args: &Args) -> Self {
        Self {
            root: root(args.krate.as_ref()),
            unwind: args.unwind,
            every: args.every.map(|(every, _)| every),
            checkpoint: Ident::new("__interrupt_checkpoint", Span::mixed_site()),
        }
    }

    /// The countdown local of loop `index`, resolved like the other locals
    /// we introduce and located at `location`.
    fn countdown(index: usize, location: Span) -> Ident {
        format_ident!(
            "__interrupt_countdown_{}",
            index,
            span = Span::mixed_site().located_at(location)
        )
    }

    /// Fetches the scope (and sets up the countdowns) at the top of a body
    /// with these interruption points. In an `async fn` this runs at the
    /// first poll, under the task's scope.
    //
    // Input:   { stmts }
    // Output:  { let __interrupt_checkpoint = ROOT::__private::Checkpoint::current();
    //            let mut __interrupt_countdown_0: u32 = N;   // with `every = N`, one per loop
    //            stmts }
    fn hoist(&self, block: &mut Block, points: Points) {
        if !points.any() {
            return;
        }
        let Self {
            root, checkpoint, ..
        } = self;
        let mut stmts: Vec<Stmt> =
            vec![parse_quote!(let #checkpoint = #root::__private::Checkpoint::current();)];
        if let Some(every) = self.every {
            stmts.extend((0..points.loops).map(|index| -> Stmt {
                let countdown = Self::countdown(index, Span::call_site());
                // `unused_mut`: the loop may be compiled out by a `#[cfg]`.
                parse_quote!(#[allow(unused_mut)] let mut #countdown: u32 = #every;)
            }));
        }
        if let Some(unwind) = self.unwind.filter(|_| points.loops > 0) {
            stmts.push(parse_quote_spanned! {unwind=>
                #[cfg(panic = "abort")]
                ::core::compile_error!(
                    "`#[interruptible(unwind)]` needs unwinding, but this crate is built with `panic = \"abort\"`; use `#[interruptible]` and return a `Result`"
                );
            });
        }
        block.stmts.splice(0..0, stmts);
    }
}

impl Checkpoint for Checkpoints {
    // Input:   loop { body }
    // Output:  loop { __interrupt_checkpoint.check()?; body }
    //          (`check_unwind()` with `unwind`; `check_every(&mut countdown, N)` with `every`)
    fn statement(&self, keyword: Span, index: usize) -> Stmt {
        // Located at the loop keyword, so that an error about the `?` (an
        // error type without `From<ThreadExit>`) points at the loop.
        let mut checkpoint = self.checkpoint.clone();
        checkpoint.set_span(checkpoint.span().located_at(keyword));
        let countdown = Self::countdown(index, keyword);
        match (self.every, self.unwind) {
            (None, None) => parse_quote_spanned!(keyword=> #checkpoint.check()?;),
            (None, Some(_)) => parse_quote_spanned!(keyword=> #checkpoint.check_unwind();),
            (Some(every), None) => {
                parse_quote_spanned!(keyword=> #checkpoint.check_every(&mut #countdown, #every)?;)
            }
            (Some(every), Some(_)) => parse_quote_spanned!(keyword=>
                #checkpoint.check_every_unwind(&mut #countdown, #every);
            ),
        }
    }

    // Input:   base.await
    // Output:  __interrupt_checkpoint.await_point(base).await?
    fn await_point(&self, base: Expr, await_token: Span) -> Expr {
        let mut checkpoint = self.checkpoint.clone();
        checkpoint.set_span(checkpoint.span().located_at(await_token));
        parse_quote_spanned!(await_token=> #checkpoint.await_point(#base).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, input: TokenStream) -> String {
        interruptible(args, input).to_string()
    }

    #[test]
    fn hoists_the_scope_once_and_checks_each_loop() {
        let out = expand(
            quote!(),
            quote! {
                fn f() -> Result<(), ThreadExit> { for x in 0..3 { loop { break; } } Ok(()) }
            },
        );
        assert_eq!(out.matches("Checkpoint :: current").count(), 1, "{out}");
        assert_eq!(out.matches(". check () ?").count(), 2, "{out}");
        assert!(out.contains(":: gracefully :: __private"));
    }

    #[test]
    fn leaves_a_body_without_loops_unchanged() {
        let input = quote!(
            fn f() {
                work();
            }
        );
        assert_eq!(expand(quote!(), input.clone()), input.to_string());
    }

    #[test]
    fn uses_the_crate_path_the_countdowns_and_unwinding() {
        let out = expand(
            quote!(crate = ::my::rt, every = 8, unwind),
            quote!(
                fn f() {
                    loop {}
                    while true {}
                }
            ),
        );
        assert!(
            out.contains(":: my :: rt :: __private :: Checkpoint"),
            "{out}"
        );
        assert_eq!(out.matches("check_every_unwind").count(), 2, "{out}");
        assert!(
            out.contains("__interrupt_countdown_1 : u32 = 8u32"),
            "{out}"
        );
        assert!(out.contains("cfg (panic = \"abort\")"), "{out}");
    }

    #[test]
    fn makes_the_awaits_of_an_async_fn_interruption_points() {
        let out = expand(
            quote!(),
            quote!(
                async fn f() -> Result<u8, E> {
                    let x = g().await;
                    Ok(x)
                }
            ),
        );
        assert!(
            out.contains("__interrupt_checkpoint . await_point (g ()) . await ?"),
            "{out}"
        );
        assert_eq!(out.matches("Checkpoint :: current").count(), 1, "{out}");
    }

    #[test]
    fn instruments_each_method_of_an_impl_block() {
        let out = expand(
            quote!(unwind),
            quote! {
                impl S {
                    fn a(&self) { loop {} }
                    fn b(&mut self) -> u8 { 1 }
                    fn c(self) { for _ in 0..1 {} }
                }
            },
        );
        assert_eq!(out.matches("Checkpoint :: current").count(), 2, "{out}");
    }

    #[test]
    fn on_error_emits_the_item_without_markers_and_every_error() {
        let out = expand(
            quote!(bogus),
            quote!(
                const fn f() {
                    #[no_checkpoint]
                    let x = 1;
                    loop {}
                }
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 4, "{out}");
        assert!(!out.contains("no_checkpoint ]"), "{out}");
        assert!(!out.contains("Checkpoint"), "{out}");
        assert!(out.starts_with("const fn f ()"), "{out}");
    }
}
