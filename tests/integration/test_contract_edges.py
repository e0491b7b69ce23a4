"""Values the contract allows never stop the daily build, and come out as it says.

One hand-made day through the operator's path (``run_day``: load, batch gate,
``dbt build``, marts gate, publish with the serving gate) with inputs the worked
example does not exercise:

- a verification whose community text resolves to nothing (contract §3: an
  unresolved area is a flag, never a reason to drop anything): the person is in
  mart_verified_person with ``community_code`` NULL (§9 "else NULL");
- an enterprise filing with more staff back than employed (§5 sets no rule
  between the two): ``staff_return_rate`` is kept as filed, 60 / 50; the dbt
  test and the GX marts gate on it warn instead of stopping the day;
- a valid passport number of five characters: ``id_masked`` is all stars. This
  pins a reading: §9's "first 3 and last 4 kept" would keep every character of
  a value of 7 or fewer, so such values are masked whole.
"""

from __future__ import annotations

import datetime as dt

import duckdb
from conftest import EXAMPLES, make_settings

from gridwatch.ops.pipeline import run_day

DAY = dt.date(2021, 8, 2)
RIC = "110101198503121239"

PUSH = (
    "批次号,专项,下发时间,反馈时限(小时),序号,姓名,证件类型,证件号码,手机号,所属街道,所属社区\n"
    f"B1,测试专项,2021-08-02 09:00:00,24,1,张三,身份证,{RIC},13700000001,平湖街道,平湖社区\n"
    "B1,测试专项,2021-08-02 09:00:00,24,2,李四,护照,e 1234,13700000002,平湖街道,平湖社区\n"
)
VERIFICATION = (
    "批次号,序号,核查时间,核查社区,核查方式,核查结果,管控措施\n"
    "B1,1,2021-08-02 15:00:00,不存在社区,电话,已纳管,居家健康监测\n"
)
FILING = (
    "报备编号,统一社会信用代码,企业名称,所属社区,企业类型,状态,报备时间,员工总数,到岗人数\n"
    "F9,91440300MA5D12345W,平湖超市有限公司,平湖社区,聚集接触型,已复工,2021-08-02 10:00,50,60\n"
)


def test_contract_edge_values_build_and_come_out_as_specified(tmp_path):
    landing = tmp_path / "landing"
    for feed, text in (
        ("push_list", PUSH),
        ("verification", VERIFICATION),
        ("enterprise_filing", FILING),
    ):
        path = landing / feed / DAY.isoformat() / f"{feed}.csv"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    settings = make_settings(tmp_path / "edges", landing=landing, reference=EXAMPLES / "reference")

    outcome = run_day(settings, DAY)
    assert outcome.ok, outcome.message

    con = duckdb.connect(str(settings.serving), read_only=True)
    try:
        verified = con.execute(
            "select v.last_outcome, v.community_code from marts.mart_verified_person v "
            "join marts.dim_person p using (person_key) where p.identity_kind = 'RIC'"
        ).fetchall()
        rate = con.execute("select staff_return_rate from marts.mart_enterprise_status").fetchall()
        passport = con.execute(
            "select id_masked, phone_masked, name_masked from marts.dim_person "
            "where identity_kind = 'PASSPORT'"
        ).fetchall()
        ric = con.execute(
            "select id_masked from marts.dim_person where identity_kind = 'RIC'"
        ).fetchall()
        rate_warning = con.execute(
            "select count(*) from marts.mart_quality_results where suite = 'marts.mart_enterprise_status' "
            "and not success and severity = 'warning' and column_name = 'staff_return_rate'"
        ).fetchone()[0]
    finally:
        con.close()

    assert verified == [("MANAGED", None)]
    assert rate == [(1.2,)]
    assert rate_warning == 1
    assert passport == [("*****", "137****0002", "李*")]
    assert ric == [("110***********1239",)]
