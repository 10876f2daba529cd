//! An accumulator of spanned errors, so that one item reports all of its
//! problems at once.

use proc_macro2::TokenStream;
use syn::Error;

#[derive(Default)]
pub(crate) struct Diag {
    errors: Option<Error>,
}

impl Diag {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// `Err` with every recorded error, if any.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.errors.map_or(Ok(()), Err)
    }
}

/// `item` followed by `error` as compile errors: the item still reaches
/// the compiler, so the rest of the crate type-checks against it.
pub(crate) fn with_error(mut item: TokenStream, error: Error) -> TokenStream {
    item.extend(error.into_compile_error());
    item
}
