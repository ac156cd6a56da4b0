//! What a fetched page says: its title, its visible text and the ICP numbers printed in
//! it. The HTML is parsed by scraper (html5ever, the browser's parsing rules), never by
//! patterns over the markup; scripts are not run, and their text is not read.

use scraper::{Html, Node, Selector};

/// The parts of a page the findings are made of. All of it is untrusted applicant text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub title: Option<String>,
    /// The text a visitor would read, whitespace collapsed.
    pub text: String,
    /// ICP numbers found in the text, in page order (the footer's come last).
    pub icp_numbers: Vec<String>,
}

/// Bytes to text: UTF-8 when it is; otherwise GB18030 (a superset of GBK and GB2312,
/// which many Chinese sites still serve), unless the server named another charset.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let named = content_type
        .and_then(|ct| {
            ct.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    if let Some(encoding) = named {
        return encoding.decode(body).0.into_owned();
    }
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(body).0.into_owned(),
    }
}

pub fn read(html: &str) -> Page {
    let doc = Html::parse_document(html);
    let title_selector = Selector::parse("title").expect("a valid selector");
    let title = doc
        .select(&title_selector)
        .next()
        .map(|t| collapse(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    let mut text = String::new();
    for node in doc.tree.root().descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        let hidden = node.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| {
                matches!(
                    e.name(),
                    "script" | "style" | "template" | "noscript" | "head"
                )
            })
        });
        if !hidden {
            text.push_str(t);
            text.push(' ');
        }
    }
    let text = collapse(&text);
    let icp_numbers = shenhe_domain::checks::find_icp_numbers(&text);
    Page {
        title,
        text,
        icp_numbers,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_text_and_footer_icp_without_scripts() {
        let page = read(
            "<html><head><title> 示例 商城 </title><script>var x = '京ICP备99999999号';</script></head>\
             <body><h1>欢迎</h1><style>p{}</style><p>商品</p><footer>©2026 <a>蜀ICP备11017033号-2</a></footer></body></html>",
        );
        assert_eq!(page.title.as_deref(), Some("示例 商城"));
        assert_eq!(page.icp_numbers, ["蜀ICP备11017033号-2"]);
        assert!(page.text.contains("欢迎 商品"), "{}", page.text);
        assert!(!page.text.contains("var x"), "{}", page.text);
    }

    #[test]
    fn gbk_pages_are_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<title>网站建设中</title>");
        assert_eq!(decode(&bytes, None), "<title>网站建设中</title>");
        assert_eq!(
            decode(&bytes, Some("text/html; charset=gbk")),
            "<title>网站建设中</title>"
        );
    }
}
