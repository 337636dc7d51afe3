from ingest.nlp import char_tokenizer, get_nlp


def test_pipeline_is_built_once_and_segments_chinese_words() -> None:
    nlp = get_nlp()
    assert get_nlp() is nlp
    tokens = [t.text for t in nlp("四川某某增材科技有限公司专注于激光选区熔化装备")]
    assert "有限公司" in tokens and "激光" in tokens
    assert "".join(tokens) == "四川某某增材科技有限公司专注于激光选区熔化装备"


def test_char_tokenizer_splits_every_character() -> None:
    assert [t.text for t in char_tokenizer()("发明专利")] == ["发", "明", "专", "利"]
