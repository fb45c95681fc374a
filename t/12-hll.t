#!/usr/bin/perl

# The viewer sketch (src/vstream_hll.c) on its own: builds the C unit test
# t/unit/hll_test.c (1, 100, 10^4 and 10^6 distinct addresses within 3 %,
# repeats, unions, worker merges, the error over 100 runs) with
# AddressSanitizer and UBSan (any finding stops it) and reports each of its
# TAP lines here, the estimates among them.  Needs only a C compiler; no
# nginx.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use VStream::Unit;

VStream::Unit::run(
    name    => 'hll',
    sources => [qw(t/unit/hll_test.c src/vstream_hll.c)],
    libs    => ['-lm'],
);
