from django.test import RequestFactory

from reintegration.network import client_ip


def request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_address_is_the_peer(settings):
    settings.PROXY_COUNT = 0
    assert client_ip(request(forwarded="203.0.113.7")) == "10.0.0.1"


def test_behind_one_proxy_the_address_is_the_one_it_saw(settings):
    settings.PROXY_COUNT = 1
    # The first entry was written by the client and could be anything.
    assert client_ip(request(forwarded="198.51.100.1, 203.0.113.7")) == "203.0.113.7"


def test_a_missing_or_garbled_header_falls_back_safely(settings):
    settings.PROXY_COUNT = 2
    assert client_ip(request(forwarded="203.0.113.7")) == "10.0.0.1"
    settings.PROXY_COUNT = 1
    assert client_ip(request(forwarded="not-an-address")) is None
