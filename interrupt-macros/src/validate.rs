//! Semantic checks of an instrumented function against the options. Pushes
//! errors; produces no tokens.

use syn::spanned::Spanned;
use syn::{Error, ReturnType, Signature, Type};

use crate::args::Args;
use crate::diag::Diag;
use crate::item::Item;
use crate::rewrite::Points;

/// Checks the item as a whole: `unwind` on an `impl Drop`.
pub(crate) fn item(item: &Item, args: &Args, diag: &mut Diag) {
    if let (Item::Impl(block), Some(unwind)) = (item, args.unwind)
        && block
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|last| last.ident == "Drop")
    {
        diag.push(Error::new(
            unwind,
            "`unwind` cannot be used on an `impl Drop`: `drop` runs while the thread unwinds, and a second unwind there aborts the process; remove the attribute and check `gracefully::interruption_requested()` in its loops",
        ));
    }
}

/// Checks one function whose body has these interruption points.
pub(crate) fn function(sig: &Signature, args: &Args, points: Points, diag: &mut Diag) {
    if let Some(constness) = &sig.constness {
        diag.push(Error::new(
            constness.span,
            "`#[interruptible]` cannot go on a `const fn`: its checkpoints run at run time; remove `const`",
        ));
    }
    if let (Some(_), Some(unwind)) = (&sig.asyncness, args.unwind) {
        diag.push(Error::new(
            unwind,
            "`unwind` cannot be used on an `async fn`; remove it and return a `Result`, so that checkpoints use `?`",
        ));
    }
    if let Some(abi) = &sig.abi
        && args.unwind.is_some()
        && !abi_unwinds(abi)
    {
        diag.push(Error::new_spanned(
            abi,
            "an unwinding checkpoint cannot leave an `extern` fn that does not unwind (the process would abort); use an `-unwind` ABI such as `extern \"C-unwind\"`, or remove `unwind` and return a `Result`",
        ));
    }
    if points.any() && args.unwind.is_none() {
        return_type(sig, diag);
    }
}

/// `extern "Rust"` and the `-unwind` ABIs let a panic out; the others abort.
fn abi_unwinds(abi: &syn::Abi) -> bool {
    abi.name
        .as_ref()
        .is_some_and(|name| name.value() == "Rust" || name.value().ends_with("-unwind"))
}

/// In the default mode checkpoints use `?`, which needs a return type that
/// accepts `ThreadExit`. Only types that certainly cannot are rejected here;
/// rustc judges the rest (at the loop keyword, where the `?` is).
fn return_type(sig: &Signature, diag: &mut Diag) {
    let span = match &sig.output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) if cannot_accept_question_mark(ty) => ty.span(),
        ReturnType::Type(..) => return,
    };
    let message = if sig.asyncness.is_some() {
        // `unwind` is not for `async fn`: do not suggest it.
        "`#[interruptible]` on an `async fn` needs a return type that accepts `?` (such as `Result<T, ThreadExit>`): its awaits and loops are interruption points"
    } else {
        "`#[interruptible]` needs a return type that accepts `?` (such as `Result<T, ThreadExit>`); or use `#[interruptible(unwind)]`"
    };
    diag.push(Error::new(span, message));
}

fn cannot_accept_question_mark(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64", "Option",
    ];
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Never(_) => true,
        Type::Paren(inner) => cannot_accept_question_mark(&inner.elem),
        Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| PRIMITIVES.iter().any(|name| last.ident == name))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn errors(mut sig: TokenStream, args: TokenStream, loops: usize) -> Vec<String> {
        sig.extend(quote!({}));
        let function: syn::ItemFn = syn::parse2(sig).unwrap();
        let mut diag = Diag::new();
        let args = Args::parse(args, &mut diag);
        let points = Points { loops, awaits: 0 };
        super::function(&function.sig, &args, points, &mut diag);
        match diag.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn accepts_result_like_return_types() {
        for sig in [
            quote!(fn f() -> Result<(), ThreadExit>),
            quote!(fn f() -> io::Result<u8>),
            quote!(fn f() -> anyhow::Result<()>),
            quote!(async fn f(&self) -> Result<Vec<u8>, MyError>),
        ] {
            assert!(errors(sig, quote!(), 1).is_empty());
        }
    }

    #[test]
    fn rejects_return_types_that_cannot_take_question_mark() {
        for sig in [
            quote!(fn f()),
            quote!(fn f() -> ()),
            quote!(fn f() -> !),
            quote!(fn f() -> u32),
            quote!(fn f() -> Option<u32>),
        ] {
            assert_eq!(errors(sig, quote!(), 2).len(), 1);
        }
    }

    #[test]
    fn has_no_return_type_requirement_without_checkpoints_or_in_unwind_mode() {
        assert!(errors(quote!(fn f()), quote!(), 0).is_empty());
        assert!(errors(quote!(fn f() -> u32), quote!(unwind), 3).is_empty());
    }

    #[test]
    fn rejects_unwind_out_of_an_abi_that_aborts() {
        assert_eq!(
            errors(quote!(extern "C" fn f()), quote!(unwind), 1).len(),
            1
        );
        assert_eq!(errors(quote!(extern fn f()), quote!(unwind), 1).len(), 1);
        assert!(errors(quote!(extern "C-unwind" fn f()), quote!(unwind), 1).is_empty());
        assert!(errors(quote!(extern "C" fn f() -> Result<(), E>), quote!(), 1).is_empty());
    }

    #[test]
    fn rejects_unwind_on_an_impl_drop_only() {
        let item_errors = |item: TokenStream, args: TokenStream| {
            let item: Item = syn::parse2(item).unwrap();
            let mut diag = Diag::new();
            let args = Args::parse(args, &mut diag);
            super::item(&item, &args, &mut diag);
            diag.finish().map_or_else(|e| e.into_iter().count(), |()| 0)
        };
        let drop_impl = quote!(impl Drop for S { fn drop(&mut self) {} });
        assert_eq!(item_errors(drop_impl.clone(), quote!(unwind)), 1);
        assert_eq!(item_errors(drop_impl, quote!()), 0);
        assert_eq!(
            item_errors(quote!(impl S { fn f(&self) {} }), quote!(unwind)),
            0
        );
    }

    #[test]
    fn reports_const_and_unwind_on_async_together() {
        assert_eq!(errors(quote!(const fn f()), quote!(), 1).len(), 2);
        assert_eq!(errors(quote!(async fn f()), quote!(unwind), 0).len(), 1);
    }
}
