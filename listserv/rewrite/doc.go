// Package rewrite holds what a list does to a post before sending it:
// validating and parsing the inbound message (Parse), tagging the subject
// (PrefixSubject), appending a footer without breaking MIME (AddFooter) and
// producing the message as the list distributes it (Rewrite), before any
// per-recipient headers are added.
//
// The header is edited with go-message's byte-exact textproto.Header and the
// body is copied as raw bytes: messages are never round-tripped through
// message.Entity, which would decode and re-encode every part and change
// bytes the list has no reason to touch.
//
// Reply-To rule. Without DMARC mitigation, a list that replies to the list
// (Options.ReplyToList) sets "Reply-To: <list>", replacing any Reply-To the
// author set; otherwise the author's Reply-To is kept untouched. With DMARC
// mitigation (Options.MungeFrom) From becomes
// `"Author Name via NAME" <list address>` and the author must stay
// reachable: with ReplyToList, Reply-To is the list and the author is added
// to Cc (unless already in To or Cc); without it, Reply-To is the author,
// unless the author had set a Reply-To of their own, which is kept. A
// munged post also carries X-Original-From with the author's From.
package rewrite
