//! `#[gracefully::main]`: installs the signal handlers, runs the body, then
//! shuts down within a grace period.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::{Error, ItemFn, LitStr, Path, ReturnType, Token};

use crate::diag::{Diag, with_error};

mod kw {
    syn::custom_keyword!(grace);
    syn::custom_keyword!(second);
    syn::custom_keyword!(exit);
    syn::custom_keyword!(signals);
}

/// The signal names `signals = [..]` knows; any other signal is given by
/// its number.
const SIGNAL_NAMES: [&str; 7] = [
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM",
];

/// What the `second` option says.
enum Second {
    Exit,
    Ignore(Span),
    Run(Path),
}

/// What the `exit` option says.
enum Exit {
    Zero,
    /// With the span of `"signal"`.
    Signal(Span),
}

/// One entry of `signals = [..]`.
enum Signal {
    Named(Ident),
    Number(syn::LitInt),
}

/// The grace period when none is given.
const DEFAULT_GRACE_MS: u64 = 5_000;

struct Args {
    /// In milliseconds.
    grace: Option<u64>,
    second: Option<Second>,
    exit: Option<Exit>,
    /// With the span of the `signals` keyword.
    signals: Option<(Span, Vec<Signal>)>,
    krate: Option<Path>,
}

impl Args {
    /// Parses every option, recording bad ones in `diag`.
    fn parse(tokens: TokenStream, diag: &mut Diag) -> Self {
        let mut args = Args {
            grace: None,
            second: None,
            exit: None,
            signals: None,
            krate: None,
        };
        let parser = |input: ParseStream<'_>| {
            while !input.is_empty() {
                if let Err(error) = args.parse_option(input) {
                    diag.push(error);
                    // Skip the rest of the bad option.
                    while !input.is_empty() && !input.peek(Token![,]) {
                        input.parse::<proc_macro2::TokenTree>()?;
                    }
                }
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(())
        };
        if let Err(error) = parser.parse2(tokens) {
            diag.push(error);
        }
        args
    }

    fn parse_option(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::grace) {
            let keyword: kw::grace = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse().map_err(|error| {
                Error::new(
                    error.span(),
                    "`grace` takes a duration in quotes, such as `grace = \"5s\"`",
                )
            })?;
            if self.grace.is_some() {
                return Err(Error::new(keyword.span, "duplicate option `grace`"));
            }
            self.grace = Some(parse_duration(&value)?);
        } else if lookahead.peek(kw::second) {
            let keyword: kw::second = input.parse()?;
            input.parse::<Token![=]>()?;
            let second = parse_second(input)?;
            if self.second.is_some() {
                return Err(Error::new(keyword.span, "duplicate option `second`"));
            }
            self.second = Some(second);
        } else if lookahead.peek(kw::exit) {
            let keyword: kw::exit = input.parse()?;
            input.parse::<Token![=]>()?;
            let bad = |span| {
                Error::new(
                    span,
                    "`exit` takes `\"zero\"` (exit 0 after a stop caused by a signal, the default) or `\"signal\"` (end by the signal, as if unhandled)",
                )
            };
            let value: LitStr = input.parse().map_err(|error| bad(error.span()))?;
            let exit = match value.value().as_str() {
                "zero" => Exit::Zero,
                "signal" => Exit::Signal(value.span()),
                _ => return Err(bad(value.span())),
            };
            if self.exit.is_some() {
                return Err(Error::new(keyword.span, "duplicate option `exit`"));
            }
            self.exit = Some(exit);
        } else if lookahead.peek(kw::signals) {
            let keyword: kw::signals = input.parse()?;
            input.parse::<Token![=]>()?;
            let signals = parse_signals(input)?;
            if self.signals.is_some() {
                return Err(Error::new(keyword.span, "duplicate option `signals`"));
            }
            self.signals = Some((keyword.span, signals));
        } else if lookahead.peek(Token![crate]) {
            let keyword: Token![crate] = input.parse()?;
            input.parse::<Token![=]>()?;
            let path = Path::parse_mod_style(input)?;
            if self.krate.is_some() {
                return Err(Error::new(keyword.span, "duplicate option `crate`"));
            }
            self.krate = Some(path);
        } else {
            let unknown: proc_macro2::TokenTree = input.parse()?;
            return Err(Error::new(
                unknown.span(),
                format!(
                    "unknown option `{unknown}`; expected `grace = \"5s\"`, `second = \"exit\"`, `exit = \"zero\"`, `signals = [SIGINT, SIGTERM]` or `crate = path`"
                ),
            ));
        }
        Ok(())
    }
}

/// `"exit"`, `"ignore"` or a path.
fn parse_second(input: ParseStream<'_>) -> syn::Result<Second> {
    const EXPECTED: &str = "`second` takes `\"exit\"` (the default), `\"ignore\"`, or the path of a `fn(i32)` to call with the signal's number, such as `second = on_second_signal`";
    if input.peek(LitStr) {
        let value: LitStr = input.parse()?;
        return match value.value().as_str() {
            "exit" => Ok(Second::Exit),
            "ignore" => Ok(Second::Ignore(value.span())),
            _ => Err(Error::new(value.span(), EXPECTED)),
        };
    }
    input
        .parse::<Path>()
        .map(Second::Run)
        .map_err(|error| Error::new(error.span(), EXPECTED))
}

/// `[SIGINT, SIGTERM, 40]`.
fn parse_signals(input: ParseStream<'_>) -> syn::Result<Vec<Signal>> {
    let expected = || {
        format!(
            "`signals` takes a list of signal names ({}) or numbers, such as `signals = [SIGINT, SIGTERM]`",
            SIGNAL_NAMES.join(", ")
        )
    };
    let content;
    let brackets = syn::bracketed!(content in input);
    let mut signals = Vec::new();
    while !content.is_empty() {
        if content.peek(syn::LitInt) {
            let number: syn::LitInt = content.parse()?;
            number.base10_parse::<i32>()?;
            signals.push(Signal::Number(number));
        } else if content.peek(syn::Ident) {
            let name: Ident = content.parse()?;
            if !SIGNAL_NAMES.iter().any(|known| name == known) {
                return Err(Error::new(
                    name.span(),
                    format!("unknown signal `{name}`; {}", expected()),
                ));
            }
            signals.push(Signal::Named(name));
        } else {
            return Err(Error::new(content.span(), expected()));
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    if signals.is_empty() {
        return Err(Error::new(
            brackets.span.join(),
            "`signals` needs at least one signal; without `#[gracefully::main]`'s signal handling, call `gracefully::shutdown` at the end of `main` yourself",
        ));
    }
    Ok(signals)
}

/// `"500ms"`, `"5s"`, `"2m"`, `"1h"` in milliseconds.
fn parse_duration(literal: &LitStr) -> syn::Result<u64> {
    let text = literal.value();
    let bad = || {
        Error::new(
            literal.span(),
            format!(
                "`{text}` is not a duration; write a whole number and a unit: `\"500ms\"`, `\"5s\"`, `\"2m\"` or `\"1h\"`"
            ),
        )
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    number.checked_mul(scale).ok_or_else(bad)
}

/// `#[gracefully::main(args)] input`.
//
// Input:   fn main() -> R { body }
// Output:  fn main() -> R {
//              let main = ROOT::__private::Main::new()
//                  .signals(&[ROOT::__private::sig::SIGINT, 40], ())   // with `signals = [..]`
//                  .second_ignored(())                                // `second = "ignore"`
//                  .second_runs(path::to::fn, ())                     // `second = path::to::fn`
//                  .exit_by_signal(())                                // `exit = "signal"`
//                  .start();
//              let outcome = catch_unwind(AssertUnwindSafe(|| -> R { body }));
//              main.finish(outcome, GRACE, |value| {
//                  (&&ROOT::__private::MainValue(value)).classify()
//              })
//          }
// Each `()` is spanned at its option: where signal handling is not built
// in, its `SignalOptions` bound fails there with a message that says so.
// An `async fn main` under a runtime's attribute becomes an inner
// `async fn` that keeps that attribute, called in the closure.
pub(crate) fn main(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut diag = Diag::new();
    let args = Args::parse(args, &mut diag);
    let function: ItemFn = match syn::parse2(input.clone()) {
        Ok(function) => function,
        Err(error) => return with_error(input, error),
    };
    if function.sig.ident != "main" {
        diag.push(Error::new(
            function.sig.ident.span(),
            "`#[gracefully::main]` goes on `fn main`; in other functions call `gracefully::shutdown` yourself",
        ));
    }
    if let Some(asyncness) = &function.sig.asyncness
        && function
            .attrs
            .iter()
            .all(|attr| attr.path().is_ident("doc"))
    {
        diag.push(Error::new(
            asyncness.span,
            "`async fn main` needs a runtime: put its attribute (such as `#[tokio::main]`) below `#[gracefully::main]`",
        ));
    }
    if let Err(error) = diag.finish() {
        return with_error(input, error);
    }
    expand(function, &args)
}

fn expand(function: ItemFn, args: &Args) -> TokenStream {
    let root = crate::expand::root(args.krate.as_ref());
    let grace = args.grace.unwrap_or(DEFAULT_GRACE_MS);
    let outcome = Ident::new("__interrupt_outcome", Span::mixed_site());
    let main = Ident::new("__interrupt_main_options", Span::mixed_site());
    let options = options(args, &root);
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
        ..
    } = function;
    let output = sig.output.clone();
    let closure_output = match &output {
        ReturnType::Default => quote!(),
        ReturnType::Type(arrow, ty) => quote!(#arrow #ty),
    };
    let span = sig.ident.span();
    let (outer_attrs, body) = if sig.asyncness.is_some() {
        // The runtime's attribute turns the inner `async fn` into a
        // blocking one.
        let inner = Ident::new("__interrupt_main", Span::mixed_site());
        sig.asyncness = None;
        let body = quote_spanned! {span=>
            #(#attrs)*
            async fn #inner() #output #block
            #inner()
        };
        (Vec::new(), body)
    } else {
        (
            attrs,
            block.stmts.iter().map(ToTokens::to_token_stream).collect(),
        )
    };
    quote_spanned! {span=>
        #(#outer_attrs)*
        #vis #sig {
            let #main = #root::__private::Main::new() #options .start();
            let #outcome = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
                || #closure_output { #body },
            ));
            #main.finish(
                #outcome,
                ::core::time::Duration::from_millis(#grace),
                |value| {
                    // A `Result` picks `ClassifyResult`, anything else
                    // `ClassifyOther` (autoref specialisation).
                    #[allow(unused_imports)]
                    use #root::__private::{ClassifyOther as _, ClassifyResult as _};
                    (&&#root::__private::MainValue(value)).classify()
                },
            )
        }
    }
}

/// The builder calls for the signal options (see `main`'s comment).
fn options(args: &Args, root: &TokenStream) -> TokenStream {
    let mut calls = TokenStream::new();
    let unit = |span: Span| quote_spanned!(span=> ());
    if let Some((keyword, signals)) = &args.signals {
        let numbers = signals.iter().map(|signal| match signal {
            Signal::Named(name) => quote!(#root::__private::sig::#name),
            Signal::Number(number) => number.to_token_stream(),
        });
        let unit = unit(*keyword);
        calls.extend(quote!(.signals(&[#(#numbers),*], #unit)));
    }
    match &args.second {
        None | Some(Second::Exit) => {}
        Some(Second::Ignore(span)) => {
            let unit = unit(*span);
            calls.extend(quote!(.second_ignored(#unit)));
        }
        Some(Second::Run(path)) => {
            let span = syn::spanned::Spanned::span(path);
            let unit = unit(span);
            calls.extend(quote_spanned!(span=> .second_runs(#path, #unit)));
        }
    }
    if let Some(Exit::Signal(span)) = args.exit {
        let unit = unit(span);
        calls.extend(quote!(.exit_by_signal(#unit)));
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(args: TokenStream, input: TokenStream) -> Vec<String> {
        let out = main(args, input).to_string();
        out.match_indices("compile_error")
            .map(|(at, _)| out[at..].split('"').nth(1).unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn parses_durations() {
        let ms = |text: &str| parse_duration(&LitStr::new(text, Span::call_site()));
        assert_eq!(ms("500ms").unwrap(), 500);
        assert_eq!(ms("5s").unwrap(), 5_000);
        assert_eq!(ms("2m").unwrap(), 120_000);
        assert_eq!(ms("1h").unwrap(), 3_600_000);
        for bad in ["", "5", "s", "1.5s", "5 s", "5sec", "-1s"] {
            assert!(ms(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wraps_the_body_and_uses_the_grace() {
        let out = main(
            quote!(grace = "250ms"),
            quote!(
                fn main() -> Result<(), E> {
                    run()?;
                    Ok(())
                }
            ),
        )
        .to_string();
        assert!(
            out.contains(":: gracefully :: __private :: Main :: new () . start ()"),
            "{out}"
        );
        assert!(out.contains("from_millis (250u64)"), "{out}");
        assert!(
            out.contains("|| -> Result < () , E > { run () ? ; Ok (()) }"),
            "{out}"
        );
    }

    #[test]
    fn keeps_the_runtime_attribute_on_an_inner_async_fn() {
        let out = main(
            quote!(),
            quote!(
                #[tokio::main]
                async fn main() {
                    work().await
                }
            ),
        )
        .to_string();
        assert!(out.starts_with("fn main ()"), "{out}");
        assert!(
            out.contains("# [tokio :: main] async fn __interrupt_main ()"),
            "{out}"
        );
    }

    #[test]
    fn reports_misuse() {
        assert_eq!(
            errors(
                quote!(),
                quote!(
                    fn start() {}
                )
            )
            .len(),
            1
        );
        assert_eq!(
            errors(
                quote!(),
                quote!(
                    async fn main() {}
                )
            )
            .len(),
            1
        );
        assert_eq!(
            errors(
                quote!(grace = "soon"),
                quote!(
                    fn main() {}
                )
            )
            .len(),
            1
        );
        assert_eq!(
            errors(
                quote!(grace = 5),
                quote!(
                    fn main() {}
                )
            )
            .len(),
            1
        );
        assert_eq!(
            errors(
                quote!(graze = "5s", grace = "5s", grace = "6s"),
                quote!(
                    fn main() {}
                )
            )
            .len(),
            2
        );
    }
}
