#!/usr/bin/perl

# The viewer sketch (src/vstream_hll.c) on its own: builds the C unit test
# t/unit/hll_test.c (1, 100, 10^4 and 10^6 distinct addresses within 3 %,
# repeats, unions, worker merges, the error over 100 runs) with
# AddressSanitizer and UBSan (any finding stops it) and reports each of its
# TAP lines here, the estimates among them.  Needs only a C compiler; no
# nginx.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Path qw(make_path);
use FindBin;
use Test::More;

my $top = $ENV{VSTREAM_TOP} || abs_path("$FindBin::Bin/..");
my $cc = $ENV{CC} || 'cc';

plan(skip_all => "no C compiler ($cc)")
    unless system("command -v $cc >/dev/null 2>&1") == 0;

my $out = "$top/build/unit";
my $bin = "$out/hll_test";
make_path($out);

my @cmd = ($cc, qw(-std=c99 -Wall -Wextra -Werror -g -O1),
           '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
           "-I$top/src", "-I$top/t/unit", "$top/t/unit/hll_test.c",
           "$top/src/vstream_hll.c", '-lm',
           '-o', "$bin.$$");

my $log = `@cmd 2>&1`;
unless (is($?, 0, 'the unit test builds with -Werror, ASan and UBSan')) {
    diag($log);
    done_testing();
    exit;
}
rename("$bin.$$", $bin) or die "cannot rename $bin.$$: $!";

# leak checking would only add a dependency on ptrace being allowed
local $ENV{ASAN_OPTIONS} = 'detect_leaks=0:abort_on_error=0';
local $ENV{UBSAN_OPTIONS} = 'print_stacktrace=1';

my ($plan, $seen, @rest) = (undef, 0);

open(my $tap, '-|', $bin) or die "cannot run $bin: $!";

while (my $line = <$tap>) {
    chomp $line;

    if ($line =~ /^(not )?ok (\d+) - (.*)$/) {
        $seen++;
        ok(!defined $1, "hll: $3");

    } elsif ($line =~ /^1\.\.(\d+)$/) {
        $plan = $1;

    } elsif ($line =~ /^#/) {
        diag($line);

    } else {
        push @rest, $line;
    }
}

close($tap);
my $status = $?;

is($status, 0, 'the unit test exits 0 (no failure, no sanitizer report)');
is($seen, $plan // -1, 'it ran as many tests as it planned');
is(scalar @rest, 0, 'and printed nothing but TAP') or diag(join "\n", @rest);

done_testing();
