from reintegration import checks


def test_this_machine_has_harfbuzz_subsetting_and_amiri():
    assert checks.pdf_dependencies(None) == []


def test_it_warns_when_harfbuzz_subsetting_is_missing(monkeypatch):
    monkeypatch.setattr(checks.ctypes.util, "find_library", lambda name: None)
    ids = [warning.id for warning in checks.pdf_dependencies(None)]
    assert ids == ["reintegration.W001"]


def test_it_finds_amiri_only_where_the_font_file_is(tmp_path):
    assert not checks.amiri_font_available([tmp_path])
    (tmp_path / "truetype" / "amiri").mkdir(parents=True)
    (tmp_path / "truetype" / "amiri" / "Amiri-Regular.ttf").write_bytes(b"")
    assert checks.amiri_font_available([tmp_path])


def test_it_warns_when_certificates_would_print_a_local_address(settings):
    from reintegration.checks import public_address

    settings.PUBLIC_URL = "http://localhost:8000"
    assert [w.id for w in public_address(None)] == ["reintegration.W003"]
    settings.PUBLIC_URL = "https://reintegration.example.org"
    assert public_address(None) == []
