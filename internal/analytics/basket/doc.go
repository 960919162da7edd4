// Package basket mines frequent itemsets and association rules from
// market baskets.
//
// # Baskets
//
// Read takes one basket per line. A file is either comma separated, when
// its first 64 KiB hold a comma, or separated by white space (the FIMI
// format); the choice is per file because a per-line choice would split
// one-item lines such as Groceries' "whole milk" into two items. In comma
// files items are trimmed of white space, so arules' label "cream cheese "
// reads as "cream cheese", and keep inner spaces. Repeated items in a
// basket count once. Blank lines are ignored: they are not baskets and do
// not count towards support (FIMI's retail.dat has no blank line, so its
// 88,162 baskets are its lines). Gzip input is decompressed, text must be
// UTF-8, and limits on distinct items and line length turn runaway input
// into errors. Items get dense ids in the order of their labels: decimal
// integers first, by value, then the other labels by bytes.
//
// # Support
//
// An itemset is frequent when count/baskets >= the minimum support S,
// that is when its count is at least ceil(S × baskets) (MinCount), as
// arules keeps "relative support >= S": at S = 0.001 on Groceries' 9,835
// baskets that is count >= 10, although arules prints an absolute
// minimum count of 9.
//
// # Algorithm
//
// Mine codes the frequent items by ascending count, reduces every basket
// to its frequent items in code order and enumerates itemsets depth first
// by occurrence delivery, as LCM does (T. Uno, T. Asai, Y. Uchida,
// H. Arimura, "LCM: An efficient algorithm for enumerating frequent
// closed item sets", FIMI 2003; T. Uno, M. Kiyomi, H. Arimura, "LCM ver.
// 2", FIMI 2004), here for all frequent itemsets rather than closed ones.
// The rests of the baskets after each singleton are copied together and
// reduced to the items frequent with it, and equal rests are merged with
// a weight (LCM's database reduction). Below a singleton, rests become
// 64-bit sets when they can, and when an itemset has at most 16
// extensions the counts of all its supersets come from one table of
// subset masks summed over supersets. Itemsets are kept in a prefix tree
// whose children are contiguous; downward closure (Agrawal & Srikant,
// "Fast algorithms for mining association rules", VLDB 1994) puts every
// subset of a frequent itemset in it, so Frequent.Rules reads the counts
// of left-hand sides from the tree. Singletons' subtrees are mined by two
// goroutines when the input is large and joined in code order, so the
// result never depends on scheduling.
//
// # Rules
//
// Rules follow arules' apriori (Hahsler, Grün & Hornik, "arules - A
// computational environment for mining association rules and frequent
// item sets", Journal of Statistical Software 14(15), 2005): one item on
// the right-hand side, confidence = count(X) / count(lhs), lift =
// confidence / support(rhs), coverage = support(lhs), and rules {} => {x}
// for items with support >= the minimum confidence unless
// RuleOptions.MinLen is 2.
//
// On arules' Groceries data (Hahsler, Hornik & Reutterer 2006) at support
// 0.001 Mine finds the 13,492 itemsets and, at confidence 0.5, Rules the
// 5,668 rules that arules reports.
package basket
