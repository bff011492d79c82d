// Package dmarc answers one question for the posting pipeline: should the
// list rewrite From for this author's domain? A list that tags subjects or
// adds footers breaks the author's DKIM signature, and it sends from its
// own servers, so a receiver enforcing the author domain's DMARC policy
// (p=quarantine or p=reject) would junk or bounce the post. For those
// domains the list puts its own address in From (see package rewrite).
//
// Policy discovery follows RFC 7489 §6.6.3: the TXT record at
// _dmarc.<domain>, and when there is none, the record of the
// organizational domain (public suffix + 1), whose sp= policy applies to
// subdomains. Results are cached (1 h for records, 5 min for absences and
// failures), every DNS query has its own timeout, and when DNS fails the
// answer is "munge": a needlessly rewritten From costs little, a bounced
// post costs the whole distribution.
package dmarc
