#!/usr/bin/perl

# The text rules (src/vstream_text.c) on their own: builds the C unit test
# t/unit/text_test.c (strict UTF-8 on Markus Kuhn's stress cases, the JSON
# and Prometheus escapers, names, publish args, admin routes, HLS paths)
# with AddressSanitizer and UBSan (any finding stops it) and reports each of
# its TAP lines here.  Needs only a C compiler; no nginx.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use VStream::Unit;

VStream::Unit::run(
    name    => 'text',
    sources => [qw(t/unit/text_test.c src/vstream_text.c)],
);
