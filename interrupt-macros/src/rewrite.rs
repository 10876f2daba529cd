//! The visitor that finds the loops of a function body, inserts a
//! checkpoint at the start of each iteration, makes each `.await` of an
//! `async fn` an interruption point, and strips `#[no_checkpoint]`.
//!
//! Closures, `async` blocks, `const` contexts and nested items are not the
//! function's control flow: their loops are left alone, but they are still
//! scanned for markers, since rustc rejects a leftover `#[no_checkpoint]`.
//! Macro invocations are opaque: loops inside `vec![..]` or a user macro get
//! no checkpoint.

use proc_macro2::Span;
use syn::visit_mut::{self, VisitMut};
use syn::{Arm, Attribute, Block, Error, Expr, FieldValue, Item, Local, Stmt, StmtMacro};

use crate::diag::Diag;

/// Makes the code of the interruption points.
pub(crate) trait Checkpoint {
    /// The checkpoint of the `index`-th instrumented loop, spanned at its
    /// keyword.
    fn statement(&self, keyword: Span, index: usize) -> Stmt;

    /// `base.await` as an interruption point, spanned at `.await`.
    fn await_point(&self, base: Expr, await_token: Span) -> Expr;
}

/// The interruption points of a body.
#[derive(Clone, Copy, Default)]
pub(crate) struct Points {
    pub(crate) loops: usize,
    pub(crate) awaits: usize,
}

impl Points {
    pub(crate) fn any(self) -> bool {
        self.loops + self.awaits > 0
    }
}

/// Rewrites `block`, a function body (of an `async fn` when `is_async`):
/// strips markers (recording misplaced ones in `diag`) and, with
/// `checkpoint`, instruments its loops and awaits. Returns the interruption
/// points it made (or would make).
//
// Input:   loop { work(); }      for x in xs { #[no_checkpoint] while c {} }    f().await
// Output:  loop { CHECK; work(); }   for x in xs { CHECK; while c {} }    AWAIT_POINT(f()).await?
pub(crate) fn body(
    block: &mut Block,
    is_async: bool,
    checkpoint: Option<&dyn Checkpoint>,
    diag: &mut Diag,
) -> Points {
    let mut rewrite = Rewrite {
        checkpoint,
        is_async,
        instrument: true,
        points: Points::default(),
        diag,
    };
    rewrite.visit_block_mut(block);
    rewrite.points
}

struct Rewrite<'a> {
    checkpoint: Option<&'a dyn Checkpoint>,
    is_async: bool,
    /// False inside closures, `async` blocks, `const` contexts and items.
    instrument: bool,
    points: Points,
    diag: &'a mut Diag,
}

const MARKER: &str = "no_checkpoint";

impl Rewrite<'_> {
    /// Removes the markers from `attrs`; returns the first one.
    fn take_marker(&mut self, attrs: &mut Vec<Attribute>) -> Option<Attribute> {
        let mut found = None;
        attrs.retain(|attr| {
            if !attr.path().is_ident(MARKER) {
                return true;
            }
            if attr.meta.require_path_only().is_err() {
                self.diag.push(Error::new_spanned(
                    &attr.meta,
                    "`#[no_checkpoint]` takes no arguments",
                ));
            }
            found.get_or_insert_with(|| attr.clone());
            false
        });
        found
    }

    /// Removes the markers from `attrs`, reporting each as misplaced.
    fn reject_marker(&mut self, attrs: &mut Vec<Attribute>) {
        if let Some(marker) = self.take_marker(attrs) {
            self.diag.push(misplaced(&marker));
        }
    }

    fn without_instrumenting(&mut self, visit: impl FnOnce(&mut Self)) {
        let instrument = std::mem::replace(&mut self.instrument, false);
        visit(self);
        self.instrument = instrument;
    }

    fn instrument(&mut self, body: &mut Block, keyword: Span) {
        if let Some(checkpoint) = self.checkpoint {
            let statement = checkpoint.statement(keyword, self.points.loops);
            body.stmts.insert(0, statement);
        }
        self.points.loops += 1;
    }

    fn instrument_await(&mut self, expr: &mut Expr) {
        if let Some(checkpoint) = self.checkpoint {
            let placeholder = Expr::Verbatim(proc_macro2::TokenStream::new());
            if let Expr::Await(awaited) = std::mem::replace(expr, placeholder) {
                *expr = checkpoint.await_point(*awaited.base, awaited.await_token.span);
            }
        }
        self.points.awaits += 1;
    }
}

fn misplaced(marker: &Attribute) -> Error {
    Error::new_spanned(
        marker,
        "`#[no_checkpoint]` goes on a `loop`, `while` or `for` loop; remove it here",
    )
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let marker = attrs_mut(expr).and_then(|attrs| self.take_marker(attrs));
        let keyword = match expr {
            Expr::Loop(expr) => Some(expr.loop_token.span),
            Expr::While(expr) => Some(expr.while_token.span),
            Expr::ForLoop(expr) => Some(expr.for_token.span),
            _ => None,
        };
        if let (Some(marker), None) = (&marker, keyword) {
            self.diag.push(misplaced(marker));
        }
        visit_mut::visit_expr_mut(self, expr);
        if self.is_async && self.instrument && matches!(expr, Expr::Await(_)) {
            self.instrument_await(expr);
        }
        if let Some(keyword) = keyword
            && marker.is_none()
            && self.instrument
        {
            let body = match expr {
                Expr::Loop(expr) => &mut expr.body,
                Expr::While(expr) => &mut expr.body,
                Expr::ForLoop(expr) => &mut expr.body,
                _ => unreachable!("`keyword` is only set for loops"),
            };
            self.instrument(body, keyword);
        }
    }

    fn visit_expr_closure_mut(&mut self, expr: &mut syn::ExprClosure) {
        self.without_instrumenting(|this| visit_mut::visit_expr_closure_mut(this, expr));
    }

    fn visit_expr_async_mut(&mut self, expr: &mut syn::ExprAsync) {
        self.without_instrumenting(|this| visit_mut::visit_expr_async_mut(this, expr));
    }

    fn visit_expr_const_mut(&mut self, expr: &mut syn::ExprConst) {
        self.without_instrumenting(|this| visit_mut::visit_expr_const_mut(this, expr));
    }

    fn visit_expr_repeat_mut(&mut self, expr: &mut syn::ExprRepeat) {
        // Its attributes were handled by `visit_expr_mut`.
        self.visit_expr_mut(&mut expr.expr);
        // The length is a constant.
        self.without_instrumenting(|this| this.visit_expr_mut(&mut expr.len));
    }

    fn visit_type_array_mut(&mut self, ty: &mut syn::TypeArray) {
        self.without_instrumenting(|this| visit_mut::visit_type_array_mut(this, ty));
    }

    fn visit_generic_argument_mut(&mut self, arg: &mut syn::GenericArgument) {
        self.without_instrumenting(|this| visit_mut::visit_generic_argument_mut(this, arg));
    }

    fn visit_item_mut(&mut self, item: &mut Item) {
        if let Some(attrs) = item_attrs_mut(item) {
            self.reject_marker(attrs);
        }
        self.without_instrumenting(|this| visit_mut::visit_item_mut(this, item));
    }

    fn visit_local_mut(&mut self, local: &mut Local) {
        self.reject_marker(&mut local.attrs);
        visit_mut::visit_local_mut(self, local);
    }

    fn visit_stmt_macro_mut(&mut self, stmt: &mut StmtMacro) {
        self.reject_marker(&mut stmt.attrs);
        visit_mut::visit_stmt_macro_mut(self, stmt);
    }

    fn visit_arm_mut(&mut self, arm: &mut Arm) {
        self.reject_marker(&mut arm.attrs);
        visit_mut::visit_arm_mut(self, arm);
    }

    fn visit_field_value_mut(&mut self, field: &mut FieldValue) {
        self.reject_marker(&mut field.attrs);
        visit_mut::visit_field_value_mut(self, field);
    }
}

/// `Some(&mut node.attrs)` for the listed variants of `$enum`, else `None`.
macro_rules! attrs_of {
    ($value:expr, $enum:ident: $($variant:ident)*) => {
        match $value {
            $($enum::$variant(node) => Some(&mut node.attrs),)*
            _ => None,
        }
    };
}

/// The outer attributes of an expression (none for verbatim tokens).
fn attrs_mut(expr: &mut Expr) -> Option<&mut Vec<Attribute>> {
    attrs_of!(expr, Expr:
        Array Assign Async Await Binary Block Break Call Cast Closure Const Continue Field
        ForLoop Group If Index Infer Let Lit Loop Macro Match MethodCall Paren Path Range
        RawAddr Reference Repeat Return Struct Try TryBlock Tuple Unary Unsafe While Yield
    )
}

/// The outer attributes of an item nested in a body.
fn item_attrs_mut(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    attrs_of!(item, Item:
        Const Enum ExternCrate Fn ForeignMod Impl Macro Mod Static Struct Trait TraitAlias
        Type Union Use
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{ToTokens, quote};

    /// Marks each instrumented loop with `CHECK(index);` and each await
    /// with `AWAIT(base)`.
    struct Mark;

    impl Checkpoint for Mark {
        fn statement(&self, _: Span, index: usize) -> Stmt {
            syn::parse_quote!(CHECK(#index);)
        }

        fn await_point(&self, base: Expr, _: Span) -> Expr {
            syn::parse_quote!(AWAIT(#base))
        }
    }

    fn rewrite(body: proc_macro2::TokenStream) -> (String, usize, Vec<String>) {
        let (out, points, errors) = rewrite_async(body, false);
        (out, points.loops, errors)
    }

    fn rewrite_async(
        body: proc_macro2::TokenStream,
        is_async: bool,
    ) -> (String, Points, Vec<String>) {
        let mut block: Block = syn::parse2(body).unwrap();
        let mut diag = Diag::new();
        let points = super::body(&mut block, is_async, Some(&Mark), &mut diag);
        let errors = match diag.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        };
        (block.to_token_stream().to_string(), points, errors)
    }

    #[test]
    fn makes_each_await_of_an_async_body_a_point_but_not_in_async_blocks_or_macros() {
        let (out, points, _) = rewrite_async(
            quote! {{
                let a = fetch().await.len();
                let b = -g(h().await).await;
                let c = async { inner().await };
                let d = critical! { write().await };
                for x in xs { x.await; }
            }},
            true,
        );
        assert_eq!(points.awaits, 4, "{out}");
        assert_eq!(points.loops, 1, "{out}");
        assert!(out.contains("AWAIT (fetch ()) . len ()"), "{out}");
        assert!(out.contains("- AWAIT (g (AWAIT (h ())))"), "{out}");
        assert!(out.contains("async { inner () . await }"), "{out}");
        assert!(out.contains("write () . await"), "{out}");
    }

    #[test]
    fn leaves_awaits_of_a_sync_body_alone() {
        let (_, points, _) = rewrite_async(
            quote!({
                f().await;
            }),
            false,
        );
        assert_eq!(points.awaits, 0);
    }

    #[test]
    fn instruments_every_kind_of_loop_including_nested_and_labelled_ones() {
        let (out, loops, errors) = rewrite(quote! {{
            'outer: loop {
                while let Some(x) = it.next() {
                    for y in x { if y { continue 'outer; } }
                }
                break 'outer 5;
            }
        }});
        assert_eq!(loops, 3);
        assert!(errors.is_empty());
        assert_eq!(out.matches("CHECK").count(), 3);
        assert!(out.contains("'outer : loop { CHECK (2usize) ;"));
    }

    #[test]
    fn leaves_closures_async_blocks_items_consts_and_macros_alone() {
        let (out, loops, _) = rewrite(quote! {{
            let f = || loop {};
            let g = async { loop {} };
            fn nested() { loop {} }
            const N: usize = { let mut i = 0; while i < 3 { i += 1; } i };
            let a = [0u8; { let mut i = 0; while i < 3 { i += 1; } i }];
            let v = vec![{ loop { break 1; } }];
            let c = const { let mut i = 0; while i < 3 { i += 1; } i };
        }});
        assert_eq!(loops, 0, "{out}");
    }

    #[test]
    fn strips_markers_and_skips_marked_loops() {
        let (out, loops, errors) = rewrite(quote! {{
            #[no_checkpoint]
            for x in xs { loop {} }
            let f = || { #[no_checkpoint] loop {} };
        }});
        assert_eq!(loops, 1, "only the inner loop");
        assert!(errors.is_empty());
        assert!(!out.contains("no_checkpoint"), "{out}");
    }

    #[test]
    fn reports_every_misplaced_marker() {
        let (out, _, errors) = rewrite(quote! {{
            #[no_checkpoint] let x = 1;
            #[no_checkpoint] call();
            #[no_checkpoint] fn nested() {}
            match x { #[no_checkpoint] _ => {} }
            let f = || { #[no_checkpoint] x };
            #[no_checkpoint(please)] loop {}
        }});
        let misplaced = errors
            .iter()
            .filter(|e| e.contains("goes on a `loop`"))
            .count();
        assert_eq!(misplaced, 5, "{errors:?}");
        assert!(errors.contains(&"`#[no_checkpoint]` takes no arguments".to_owned()));
        assert!(!out.contains("no_checkpoint"), "{out}");
    }

    #[test]
    fn keeps_cfg_and_other_attributes_on_loops() {
        let (out, loops, _) = rewrite(quote! {{
            #[cfg(feature = "x")]
            for x in xs {}
        }});
        assert_eq!(loops, 1);
        assert!(
            out.contains("# [cfg (feature = \"x\")] for x in xs { CHECK"),
            "{out}"
        );
    }
}
