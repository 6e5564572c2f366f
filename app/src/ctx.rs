//! What every page knows about the request it answers: who is asking, in which language.

use crate::i18n::Lang;
use crate::model::CurrentUser;

/// What pages need to know about the request; read once per request on the server.
#[derive(Debug, Clone, Default)]
pub struct PageCtx {
    pub user: Option<CurrentUser>,
    pub lang: Lang,
}

pub fn page_ctx() -> PageCtx {
    #[cfg(feature = "ssr")]
    {
        let info = crate::api::guard::request_info();
        PageCtx {
            user: info.user,
            lang: info.lang,
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::prelude::use_context::<PageCtx>().unwrap_or_default()
    }
}
