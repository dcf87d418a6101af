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
    "company": "企業",
    "university": "大学",
    "public body": "公的機関",
    "nonprofit": "非営利団体",
    "e-learning": "eラーニング",
    "live online": "ライブ配信",
    "classroom": "集合研修",
    "blended": "ブレンド型",
    "draft": "下書き",
    "published": "公開",
    "withdrawn": "取り下げ",
    "declared by the provider": "提供者の申告",
    "inferred from the text": "本文から推定",
    "reviewed by staff": "運営者が確認",
    "pending review": "確認待ち",
    "accepted": "承認",
    "rejected": "却下",
    "kind": "種別",
    "corporate number": "法人番号",
    "13-digit 法人番号, if any.": "13桁の法人番号（任意）",
    "website": "ウェブサイト",
    "accounts acting for this provider": "この提供者として操作するアカウント",
    "provider": "提供者",
    "providers": "提供者",
    "title (Japanese)": "タイトル（日本語）",
    "title (English)": "タイトル（英語）",
    "description (Japanese)": "説明（日本語）",
    "description (English)": "説明（英語）",
    "learning outcomes": "到達目標",
    "URL": "URL",
    "language of instruction": "使用言語",
    "hours": "時間",
    "price (yen)": "価格（円）",
    "format": "形式",
    "on demand": "オンデマンド",
    "starts on": "開始日",
    "ends on": "終了日",
    "prefecture code": "都道府県コード",
    "Reskilling course certified by METI": "経済産業省認定Reスキル講座",
    "eligible for education and training benefits": "教育訓練給付対象",
    "status": "状態",
    "needs skill inference": "スキル推定が必要",
    "Imported without skill tags.": "スキルタグなしで取り込まれました。",
    "prerequisites": "前提講座",
    "course": "講座",
    "courses": "講座",
    "level taught": "到達レベル",
    "confidence": "確信度",
    "review status": "確認状況",
    "reviewed at": "確認日時",
    "course skill tag": "講座のスキルタグ",
    "course skill tags": "講座のスキルタグ",
    "course literacy tag": "講座のリテラシータグ",
    "course literacy tags": "講座のリテラシータグ",
    "catalog state": "カタログの状態",
    "stored": "登録済み",
    "stored with rejected rows": "一部の行を除いて登録",
    "rejected, nothing stored": "却下（登録なし）",
    "catalog import": "カタログ取り込み",
    "catalog imports": "カタログ取り込み",
    "Find courses": "講座をさがす",
    "Provider": "提供者",
    "Level": "レベル",
    "Level %(n)s": "レベル%(n)s",
    "Hours": "時間数",
    "Price": "価格",
    "Free": "無料",
    "Format": "形式",
    "Language of instruction": "使用言語",
    "Subsidies": "補助・給付",
    "Reskilling course (METI)": "Reスキル講座（経済産業省認定）",
    "Education and training benefit": "教育訓練給付",
    "Course page": "講座ページ",
    "About this course": "講座の内容",
    "Skills taught": "身につくスキル",
    "Level taught": "到達レベル",
    "Source": "出所",
    "The provider did not tag this course; skills will be inferred from its description.": "提供者がスキルを登録していない講座です。説明文からスキルを推定します。",
    "DX literacy covered": "扱うDXリテラシー",
    "Prerequisites": "前提講座",
    "Filters": "絞り込み",
    "Keywords": "キーワード",
    "e.g. Python, データ分析": "例：Python、データ分析",
    "Target role": "目指すロール",
    "Any": "指定なし",
    "Persona type": "人材類型",
    "Free only": "無料のみ",
    "Maximum price (yen)": "上限価格（円）",
    "Maximum hours": "上限時間",
    "Prefecture (classroom)": "都道府県（集合研修）",
    "Sort by": "並べ替え",
    "Search": "検索",
    "Clear": "クリア",
    "Please check the filters": "絞り込み条件を確認してください",
    "Courses per skill category": "カテゴリー別の講座数",
    "Reskilling course": "Reスキル講座",
    "Training benefit": "教育訓練給付",
    "untagged": "スキル未登録",
    "No course matches these filters. Remove a filter or try other words.": "条件に合う講座がありません。条件を外すか、別のキーワードをお試しください。",
    "Pages": "ページ",
    "Previous": "前へ",
    "Page %(page)s of %(num_pages)s": "%(page)s / %(num_pages)s ページ",
    "Next": "次へ",
    "Best match": "関連度順",
    "Title": "タイトル順",
    "Price: low to high": "価格の安い順",
    "Price: high to low": "価格の高い順",
    "Shortest first": "時間の短い順",
    "Level: low to high": "レベルの低い順",
    "Level: high to low": "レベルの高い順",
    "Newest": "新着順",
    "Courses": "講座",
    "Accept the selected tags": "選択したタグを承認",
    "Reject the selected tags": "選択したタグを却下",
    "%(n)d tags updated.": "%(n)d 件のタグを更新しました。",
    "Course catalog": "講座カタログ",
}
PLURALS = {
    "%(n)s role grade is this project's estimate, not the official value.": (
        "%(n)s 件のロール別重要度は本プロジェクトによる推定値で、公式の値ではありません。"
    ),
    "%(n)s of this role's grades is this project's estimate; the official matrix has not been loaded for it.": (
        "このロールの重要度のうち %(n)s 件は本プロジェクトによる推定値です（公式の対応表は未読込）。"
    ),
    "%(n)s course": "%(n)s 件の講座",
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
