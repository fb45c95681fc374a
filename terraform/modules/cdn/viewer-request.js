// CloudFront Function (cloudfront-js-2.0), viewer request, on every cache
// behaviour.  The admin API (/vstream/) is answered 403 here and never
// reaches an origin, however the path is spelled: nginx decodes %XX and
// merges slashes before it matches locations, so this does too, and refuses
// dot segments outright.  Recordings: /vod/X is the bucket's PREFIX/X.
// Terraform fills in vodPrefix (empty: no bucket); tests/run.sh runs the
// same file under node.

function handler(event) {
    var request = event.request;
    var vodPrefix = '@VOD_PREFIX@';
    var path;

    try {
        path = decodeURIComponent(request.uri);
    } catch (e) {
        return { statusCode: 400, statusDescription: 'Bad Request' };
    }
    path = path.replace(/\\/g, '/').replace(/\/{2,}/g, '/').toLowerCase();

    if (/(^|\/)\.\.?(\/|$)/.test(path)
        || path === '/vstream' || path.indexOf('/vstream/') === 0)
    {
        return { statusCode: 403, statusDescription: 'Forbidden' };
    }

    if (vodPrefix !== '' && request.uri.indexOf('/vod/') === 0) {
        request.uri = '/' + vodPrefix + request.uri.substring(4);
    }

    return request;
}
