package VStream::Unit;

# The C unit tests (t/unit/*_test.c): VStream::Unit::run(...) builds one
# with -Werror, AddressSanitizer and UBSan (any finding stops it), runs it
# and reports each of its TAP lines as a test point, then checks that it
# exited 0, ran what it planned and printed nothing but TAP.  Needs only a
# C compiler; no nginx.
#
#   VStream::Unit::run(
#       name    => 'text',                       # build/unit/text_test
#       sources => ['t/unit/text_test.c', 'src/vstream_text.c'],
#       cflags  => ['-std=c99'],                 # beside the usual ones
#       libs    => ['-lm'],
#       args    => ['t/unit/samples'],           # for the test binary
#       comments => 'note',                      # '#' lines: diag (default) or note
#   );
#
# Paths in sources and args are relative to the repository's top.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use Test::More;

my $TOP = $ENV{VSTREAM_TOP} || abs_path(dirname(__FILE__) . '/../../..');

sub top { $TOP }

sub cc {
    my $cc = $ENV{CC} || 'cc';
    plan(skip_all => "no C compiler ($cc)")
        unless system("command -v $cc >/dev/null 2>&1") == 0;
    return $cc;
}

sub run {
    my (%opt) = @_;
    my $cc = cc();
    my $out = "$TOP/build/unit";
    my $bin = "$out/$opt{name}_test";
    make_path($out);

    my @cmd = ($cc, @{ $opt{cflags} || ['-std=c99'] },
               qw(-Wall -Wextra -Werror -g -O1),
               '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
               "-I$TOP/src", "-I$TOP/t/unit",
               map({ m{^/} ? $_ : "$TOP/$_" } @{ $opt{sources} }),
               @{ $opt{libs} || [] }, '-o', "$bin.$$");

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

    my @args = map { m{^/} ? $_ : "$TOP/$_" } @{ $opt{args} || [] };
    my $comment = ($opt{comments} || 'diag') eq 'note' ? \&note : \&diag;
    my ($plan, $seen, @rest) = (undef, 0);

    open(my $tap, '-|', $bin, @args) or die "cannot run $bin: $!";

    while (my $line = <$tap>) {
        chomp $line;

        if ($line =~ /^(not )?ok (\d+) - (.*)$/) {
            $seen++;
            ok(!defined $1, "$opt{name}: $3");

        } elsif ($line =~ /^1\.\.(\d+)$/) {
            $plan = $1;

        } elsif ($line =~ /^#/) {
            $comment->($line);

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
}

1;
