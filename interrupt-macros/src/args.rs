//! The options of `#[interruptible(...)]`: `unwind`, `every = N`,
//! `crate = path`.

use proc_macro2::Span;
use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{Error, Lit, Path, Token};

use crate::diag::Diag;

mod kw {
    syn::custom_keyword!(unwind);
    syn::custom_keyword!(every);
}

/// The parsed options, each with the span that validation points at.
#[derive(Default)]
pub(crate) struct Args {
    /// `unwind`: checkpoints unwind instead of returning `Err` through `?`.
    pub(crate) unwind: Option<Span>,
    /// `every = N`: each loop checks once per `N` iterations.
    pub(crate) every: Option<(u32, Span)>,
    /// `crate = path`: where the runtime is, instead of `::gracefully`.
    pub(crate) krate: Option<Path>,
}

impl Args {
    /// Parses every option; a bad one is recorded in `diag` and skipped, so
    /// that all of them are reported at once and the good ones still count
    /// (validation then sees the options the user meant).
    pub(crate) fn parse(tokens: TokenStream, diag: &mut Diag) -> Self {
        let mut args = Args::default();
        let parser = |input: ParseStream<'_>| {
            while !input.is_empty() {
                if let Err(error) = args.parse_option(input) {
                    diag.push(error);
                    skip_to_comma(input);
                }
                if input.is_empty() {
                    break;
                }
                if let Err(error) = input.parse::<Token![,]>() {
                    diag.push(error);
                    skip_to_comma(input);
                    let _ = input.parse::<Option<Token![,]>>();
                }
            }
            Ok(())
        };
        // The closure consumes every token and never fails.
        let _ = parser.parse2(tokens);
        args
    }

    fn parse_option(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::unwind) {
            let keyword: kw::unwind = input.parse()?;
            if self.unwind.is_some() {
                return Err(duplicate(keyword.span, "unwind"));
            }
            self.unwind = Some(keyword.span);
        } else if lookahead.peek(kw::every) {
            let keyword: kw::every = input.parse()?;
            let every = parse_every(keyword.span, input)?;
            if self.every.is_some() {
                return Err(duplicate(keyword.span, "every"));
            }
            self.every = Some(every);
        } else if lookahead.peek(Token![crate]) {
            let keyword: Token![crate] = input.parse()?;
            let path = parse_crate(keyword.span, input)?;
            if self.krate.is_some() {
                return Err(duplicate(keyword.span, "crate"));
            }
            self.krate = Some(path);
        } else {
            let unknown: proc_macro2::TokenTree = input.parse()?;
            return Err(Error::new(
                unknown.span(),
                format!(
                    "unknown option `{unknown}`; expected `unwind`, `every = N` or `crate = path`"
                ),
            ));
        }
        Ok(())
    }
}

/// `= N` after `every`, with `N` a positive integer literal.
fn parse_every(keyword: Span, input: ParseStream<'_>) -> syn::Result<(u32, Span)> {
    if !input.peek(Token![=]) {
        return Err(Error::new(
            keyword,
            "`every` needs a value, such as `every = 1024`",
        ));
    }
    input.parse::<Token![=]>()?;
    let not_a_count = |span| {
        Error::new(
            span,
            "`every` takes a positive integer, such as `every = 1024`",
        )
    };
    if input.is_empty() || input.peek(Token![,]) {
        return Err(not_a_count(keyword));
    }
    let value: proc_macro2::TokenTree = input.parse()?;
    let Ok(Lit::Int(int)) = syn::parse2::<Lit>(value.clone().into()) else {
        return Err(not_a_count(value.span()));
    };
    let every: u32 = int
        .base10_parse()
        .map_err(|_| Error::new(int.span(), "`every` must fit in a `u32`"))?;
    if every == 0 {
        return Err(Error::new(
            int.span(),
            "`every = 0` would never check; use `every = 1` to check on every iteration",
        ));
    }
    Ok((every, int.span()))
}

/// `= path` after `crate`.
fn parse_crate(keyword: Span, input: ParseStream<'_>) -> syn::Result<Path> {
    let needs_path = || {
        Error::new(
            keyword,
            "`crate` needs a path to the `gracefully` crate, such as `crate = ::gracefully`",
        )
    };
    if !input.peek(Token![=]) {
        return Err(needs_path());
    }
    input.parse::<Token![=]>()?;
    if input.is_empty() || input.peek(Token![,]) {
        return Err(needs_path());
    }
    Path::parse_mod_style(input)
}

fn duplicate(span: Span, name: &str) -> Error {
    Error::new(span, format!("duplicate option `{name}`"))
}

/// Skips the rest of a bad option, up to (not including) the next comma.
fn skip_to_comma(input: ParseStream<'_>) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if let proc_macro2::TokenTree::Punct(punct) = &tt
                && punct.as_char() == ','
            {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> syn::Result<Args> {
        let mut diag = Diag::new();
        let args = Args::parse(tokens, &mut diag);
        diag.finish().map(|()| args)
    }

    fn messages(tokens: TokenStream) -> Vec<String> {
        match parse(tokens) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn parses_every_option() {
        let args = parse(quote!(unwind, every = 64, crate = ::my::gracefully)).unwrap();
        assert!(args.unwind.is_some());
        assert_eq!(args.every.map(|(n, _)| n), Some(64));
        assert_eq!(
            quote::ToTokens::to_token_stream(&args.krate.unwrap()).to_string(),
            ":: my :: gracefully"
        );
        assert!(parse(quote!()).unwrap().unwind.is_none());
        assert!(parse(quote!(unwind,)).unwrap().unwind.is_some());
    }

    #[test]
    fn reports_every_bad_option_at_once() {
        assert_eq!(
            messages(quote!(evry = 3, unwind, unwind, every = 0)),
            [
                "unknown option `evry`; expected `unwind`, `every = N` or `crate = path`",
                "duplicate option `unwind`",
                "`every = 0` would never check; use `every = 1` to check on every iteration",
            ]
        );
    }

    #[test]
    fn keeps_the_good_options_beside_bad_ones() {
        let mut diag = Diag::new();
        let args = Args::parse(quote!(unwind, evry = 3, unwind, every = 4), &mut diag);
        assert!(diag.finish().is_err());
        assert!(args.unwind.is_some());
        assert_eq!(args.every.map(|(n, _)| n), Some(4));
    }

    #[test]
    fn rejects_bad_every_values() {
        for tokens in [quote!(every = "x"), quote!(every = n), quote!(every = 1.5)] {
            assert_eq!(
                messages(tokens),
                ["`every` takes a positive integer, such as `every = 1024`"]
            );
        }
        assert_eq!(
            messages(quote!(every)),
            ["`every` needs a value, such as `every = 1024`"]
        );
        assert_eq!(
            messages(quote!(every =, unwind)),
            ["`every` takes a positive integer, such as `every = 1024`"]
        );
        assert_eq!(
            messages(quote!(every = 5000000000)),
            ["`every` must fit in a `u32`"]
        );
    }

    #[test]
    fn rejects_crate_without_a_path() {
        let expected =
            "`crate` needs a path to the `gracefully` crate, such as `crate = ::gracefully`";
        assert_eq!(messages(quote!(crate)), [expected]);
        assert_eq!(messages(quote!(crate =)), [expected]);
        assert_eq!(messages(quote!(crate = , unwind)), [expected]);
    }
}
