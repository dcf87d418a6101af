"""Fill locale/ja/LC_MESSAGES/django.po from the table below, then compile the .mo.

Run after `manage.py makemessages -l ja`: `python scripts/translate_ja.py`.
The table is the source of truth for UI wording in Japanese; a test fails when
a message in the .po has no translation or the .mo is stale.
"""

from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "ja" / "LC_MESSAGES" / "django.po"

JA = {
    "Home": "ホーム",
    "Learning plans from Japan's Digital Skill Standard": "デジタルスキル標準から、あなたの学習プランを",
    "DX Pathways turns the Digital Skill Standard into personal learning plans: it compares where you stand "
    "with what your target role needs, and proposes courses that fit your time and budget.": (
        "DX Pathwaysは、デジタルスキル標準をもとに一人ひとりの学習プランをつくります。"
        "目指す役割に必要なスキルと現在のレベルを比べ、時間と予算に合った講座を提案します。"
    ),
    "persona types": "人材類型",
    "roles": "ロール",
    "skill items": "スキル項目",
    "DX literacy items": "DXリテラシー項目",
    "estimated": "推定",
    "Browse the standard": "標準を見る",
    "No standard loaded yet": "標準がまだ読み込まれていません",
    "Load it with:": "次のコマンドで読み込めます：",
    "Japanese": "日本語",
    "English": "英語",
    "Digital Skill Standard": "デジタルスキル標準",
    "name (Japanese)": "名称（日本語）",
    "name (English)": "名称（英語）",
    "code": "コード",
    "published on": "公開日",
    "source": "出典",
    "notes": "備考",
    "current": "現行版",
    "content hash": "内容ハッシュ",
    "standard version": "標準のバージョン",
    "standard versions": "標準のバージョン",
    "level": "レベル",
    "label (Japanese)": "ラベル（日本語）",
    "label (English)": "ラベル（英語）",
    "proficiency level": "習熟度",
    "proficiency levels": "習熟度",
    "grade": "重要度",
    "target proficiency": "目標習熟度",
    "importance grade": "重要度",
    "importance grades": "重要度",
    "summary (Japanese)": "概要（日本語）",
    "summary (English)": "概要（英語）",
    "persona type": "人材類型",
    "role": "ロール",
    "name verified": "名称確認済み",
    "Whether the name was checked against the official text.": "名称を公式文書と照合したかどうか。",
    "skill category": "カテゴリー",
    "skill categories": "カテゴリー",
    "skill subcategory": "サブカテゴリー",
    "skill subcategories": "サブカテゴリー",
    "definition (Japanese)": "定義（日本語）",
    "definition (English)": "定義（英語）",
    "topics (Japanese)": "学習項目例（日本語）",
    "topics (English)": "学習項目例（英語）",
    "skill item": "スキル項目",
    "literacy section": "DXリテラシーの区分",
    "literacy sections": "DXリテラシーの区分",
    "group (Japanese)": "グループ（日本語）",
    "group (English)": "グループ（英語）",
    "literacy item": "DXリテラシー項目",
    "literacy items": "DXリテラシー項目",
    "Estimated by this project; cleared when the official matrix is loaded.": (
        "本プロジェクトによる推定値。公式の対応表を読み込むと解除されます。"
    ),
    "role skill requirement": "ロール別スキル重要度",
    "role skill requirements": "ロール別スキル重要度",
    "On this page": "このページの内容",
    "DX Promotion Skill Standard (DSS-P)": "DX推進スキル標準（DSS-P）",
    "Common skill list": "共通スキルリスト",
    "DX Literacy Standard (DSS-L)": "DXリテラシー標準（DSS-L）",
    "Five persona types and fifteen roles. Open a role to see its skill profile.": (
        "5つの人材類型と15のロール。ロールを開くとスキルプロファイルが表示されます。"
    ),
    "What every business person needs: why DX matters, what data and technology it uses, how to put them to "
    "use, and the mindset behind it.": (
        "すべてのビジネスパーソンに必要なこと：DXの背景（Why）、活用されるデータ・技術（What）、"
        "その利活用（How）、そしてマインド・スタンス。"
    ),
    "Grades and target proficiency": "重要度と目標習熟度",
    "Grade": "重要度",
    "Meaning": "意味",
    "Target proficiency": "目標習熟度",
    "Skill profile": "スキルプロファイル",
    "Each bar shows the proficiency (0 to 4) this role needs in the item.": (
        "棒はこのロールが各スキル項目で必要とする習熟度（0〜4）を示します。"
    ),
    "Target proficiency per item in %(name)s": "%(name)s の項目別目標習熟度",
    "Skill item": "スキル項目",
    "est.": "推定",
    "target %(t)s of 4": "目標 %(t)s / 4",
    "Topics": "学習項目例",
    "Importance for each role": "ロールごとの重要度",
    "Role": "ロール",
    "Skip to content": "本文へ移動",
    "Main": "メイン",
    "Skill standard": "スキル標準",
    "API": "API",
    "Admin": "管理画面",
    "Language": "言語",
    "Switch": "切り替え",
    "Based on the Digital Skill Standard (DSS) of METI and IPA. English glosses, Japanese translations of those "
    "glosses, and role grades marked as estimated are this project's own.": (
        "経済産業省・IPAのデジタルスキル標準（DSS）に基づきます。英語の説明とその日本語訳、"
        "および「推定」と表示したロール別の重要度は本プロジェクト独自のものです。"
    ),
}
PLURALS = {
    "%(n)s role grade is this project's estimate, not the official value.": (
        "%(n)s 件のロール別重要度は本プロジェクトによる推定値で、公式の値ではありません。"
    ),
    "%(n)s of this role's grades is this project's estimate; the official matrix has not been loaded for it.": (
        "このロールの重要度のうち %(n)s 件は本プロジェクトによる推定値です（公式の対応表は未読込）。"
    ),
}


def main() -> None:
    po = polib.pofile(str(PO))
    po.metadata["Language"] = "ja"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    missing = []
    for entry in po:
        if entry.msgid_plural:
            text = PLURALS.get(entry.msgid)
            if text:
                entry.msgstr_plural = {0: text}
        else:
            text = JA.get(entry.msgid)
            if text:
                entry.msgstr = text
        if not text:
            missing.append(entry.msgid)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    print(f"{len(po)} messages, {len(missing)} without a translation")
    for msgid in missing:
        print("  missing:", msgid)


if __name__ == "__main__":
    main()
