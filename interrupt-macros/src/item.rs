//! What `#[interruptible]` accepts, as a small typed model: a `fn` (free or
//! a method) or an `impl` block.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Block, Error, ImplItem, Signature};

#[derive(Clone)]
pub(crate) enum Item {
    Fn(syn::ItemFn),
    Impl(syn::ItemImpl),
}

/// One function to instrument.
pub(crate) struct Function<'a> {
    pub(crate) sig: &'a Signature,
    pub(crate) block: &'a mut Block,
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        match input.parse::<syn::Item>()? {
            syn::Item::Fn(function) => Ok(Item::Fn(function)),
            syn::Item::Impl(block) => Ok(Item::Impl(block)),
            other => Err(not_a_function(&other)),
        }
    }
}

impl Item {
    /// The functions to instrument: the `fn`, or each method of the `impl`
    /// block that does not carry an `#[interruptible]` of its own (that one
    /// will expand with its own options).
    pub(crate) fn functions_mut(&mut self) -> Vec<Function<'_>> {
        match self {
            Item::Fn(function) => vec![Function {
                sig: &function.sig,
                block: &mut function.block,
            }],
            Item::Impl(block) => block
                .items
                .iter_mut()
                .filter_map(|item| match item {
                    ImplItem::Fn(method) if !has_own_attribute(&method.attrs) => Some(Function {
                        sig: &method.sig,
                        block: &mut method.block,
                    }),
                    _ => None,
                })
                .collect(),
        }
    }
}

impl ToTokens for Item {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Item::Fn(function) => function.to_tokens(tokens),
            Item::Impl(block) => block.to_tokens(tokens),
        }
    }
}

fn has_own_attribute(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "interruptible")
    })
}

/// The error for an item that is not a function or an `impl` block,
/// pointing at its keyword.
fn not_a_function(item: &syn::Item) -> Error {
    let (kind, span): (&str, Span) = match item {
        syn::Item::Const(item) => ("a `const`", item.const_token.span),
        syn::Item::Enum(item) => ("an `enum`", item.enum_token.span),
        syn::Item::ExternCrate(item) => ("an `extern crate`", item.extern_token.span),
        syn::Item::ForeignMod(item) => ("an `extern` block", item.abi.extern_token.span),
        syn::Item::Macro(item) => ("a macro invocation", item.mac.path.span()),
        syn::Item::Mod(item) => ("a `mod`", item.mod_token.span),
        syn::Item::Static(item) => ("a `static`", item.static_token.span),
        syn::Item::Struct(item) => ("a `struct`", item.struct_token.span),
        syn::Item::Trait(item) => ("a `trait`", item.trait_token.span),
        syn::Item::TraitAlias(item) => ("a trait alias", item.trait_token.span),
        syn::Item::Type(item) => ("a `type` alias", item.type_token.span),
        syn::Item::Union(item) => ("a `union`", item.union_token.span),
        syn::Item::Use(item) => ("a `use`", item.use_token.span),
        _ => ("this item", item.span()),
    };
    let advice = if matches!(item, syn::Item::Trait(_)) {
        "; put it on each method that has a default body"
    } else {
        ""
    };
    Error::new(
        span,
        format!(
            "`#[interruptible]` goes on a `fn` with a body, a method or an `impl` block, not on {kind}{advice}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn error(tokens: TokenStream) -> String {
        match syn::parse2::<Item>(tokens) {
            Ok(_) => String::from("accepted"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn accepts_functions_methods_and_impl_blocks() {
        assert_eq!(
            error(quote!(
                fn f() {}
            )),
            "accepted"
        );
        assert_eq!(
            error(quote!(
                pub async fn f(&self) {}
            )),
            "accepted"
        );
        assert_eq!(error(quote!(impl S { fn f(&self) {} })), "accepted");
    }

    #[test]
    fn names_the_kind_of_item_it_rejects() {
        assert_eq!(
            error(quote!(
                struct S;
            )),
            "`#[interruptible]` goes on a `fn` with a body, a method or an `impl` block, not on a `struct`"
        );
        assert!(
            error(quote!(
                trait T {}
            ))
            .ends_with("not on a `trait`; put it on each method that has a default body")
        );
        assert!(
            error(quote!(
                static S: u8 = 0;
            ))
            .ends_with("not on a `static`")
        );
        assert!(
            error(quote!(
                fn f();
            ))
            .ends_with("not on this item")
        );
    }

    #[test]
    fn skips_methods_with_their_own_attribute() {
        let mut item: Item = syn::parse2(quote! {
            impl S {
                fn a(&self) {}
                #[interruptible(unwind)]
                fn b(&self) {}
                #[gracefully::interruptible]
                fn c(&self) {}
                const C: u8 = 0;
            }
        })
        .unwrap();
        let names: Vec<String> = item
            .functions_mut()
            .iter()
            .map(|f| f.sig.ident.to_string())
            .collect();
        assert_eq!(names, ["a"]);
    }
}
