#!/usr/bin/perl

# The HLS playlist parser (src/vstream_m3u8.c) on its own: builds the C unit
# test t/unit/m3u8_test.c with AddressSanitizer and UBSan (any finding stops
# it), runs it on the samples in t/unit/samples/ and reports each of its TAP
# lines here.  Needs only a C compiler; no nginx.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use VStream::Unit;

VStream::Unit::run(
    name    => 'm3u8',
    sources => [qw(t/unit/m3u8_test.c src/vstream_m3u8.c src/vstream_text.c)],
    args    => ['t/unit/samples'],
);
