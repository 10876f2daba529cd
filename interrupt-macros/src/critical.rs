//! `critical! { ... }`: a block that holds a critical section open.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Block, Path, Stmt, Token};

/// The input: an optional `crate = path;`, then the block's statements.
struct Critical {
    krate: Option<Path>,
    stmts: Vec<Stmt>,
}

impl Parse for Critical {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate = ...` cannot start a statement, so this is unambiguous.
        let krate = if input.peek(Token![crate]) && input.peek2(Token![=]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            let path = Path::parse_mod_style(input)?;
            input.parse::<Token![;]>()?;
            Some(path)
        } else {
            None
        };
        let stmts = Block::parse_within(input)?;
        Ok(Self { krate, stmts })
    }
}

/// `critical! { input }`.
//
// Input:   critical! { stmts }
// Output:  { let __interrupt_section = ::gracefully::__private::critical_section(); stmts }
//
// A block, not a closure: `return`, `?` and `break` leave the section
// through the guard's `Drop`, and the block's value is the macro's value.
// A block with `.await` in it belongs to a task that may move between
// threads at each await, so it holds the `Send` guard of the task instead.
pub(crate) fn critical(input: TokenStream) -> TokenStream {
    let opener = if contains_await(input.clone()) {
        quote!(task_critical_section)
    } else {
        quote!(critical_section)
    };
    let Critical { krate, stmts } = match syn::parse2(input) {
        Ok(critical) => critical,
        Err(error) => return error.to_compile_error(),
    };
    let root = crate::expand::root(krate.as_ref());
    let guard = Ident::new("__interrupt_section", Span::mixed_site());
    quote!({
        let #guard = #root::__private::#opener();
        #(#stmts)*
    })
}

/// Does `tokens` hold a `.await`, at any depth?
fn contains_await(tokens: TokenStream) -> bool {
    let mut after_dot = false;
    for token in tokens {
        let found = match &token {
            TokenTree::Ident(ident) => after_dot && ident == "await",
            TokenTree::Group(group) => contains_await(group.stream()),
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        };
        if found {
            return true;
        }
        after_dot = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == '.');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_the_statements_in_a_block_that_holds_the_guard() {
        let out = critical(quote!(let x = 1; x + 1)).to_string();
        assert_eq!(
            out,
            "{ let __interrupt_section = :: gracefully :: __private :: critical_section () ; let x = 1 ; x + 1 }"
        );
    }

    #[test]
    fn holds_the_task_guard_when_the_block_awaits() {
        let out = critical(quote!(let n = read().await?; n)).to_string();
        assert!(
            out.contains("__private :: task_critical_section ()"),
            "{out}"
        );
        let out = critical(quote!(if x { y.field.await } else { 0 })).to_string();
        assert!(out.contains("task_critical_section"), "{out}");
        let out = critical(quote!(let await_count = x.awaited;)).to_string();
        assert!(out.contains("__private :: critical_section ()"), "{out}");
    }

    #[test]
    fn takes_a_crate_path() {
        let out = critical(quote!(crate = ::my::rt; work())).to_string();
        assert!(
            out.contains(":: my :: rt :: __private :: critical_section"),
            "{out}"
        );
        assert!(out.ends_with("work () }"), "{out}");
    }

    #[test]
    fn reports_a_syntax_error_as_a_compile_error() {
        let out = critical(quote!(let = ;)).to_string();
        assert!(out.contains("compile_error"), "{out}");
    }
}
