-- The five resource categories named in the alliance reports, with realistic subcategories.
-- Admins add and retire categories later; these are only the starting set.
INSERT INTO categories (code, level, name, parent_code, sort_order) VALUES
    ('public',      1, '公共服务类', NULL, 10),
    ('charity',     1, '公益慈善类', NULL, 20),
    ('employment',  1, '就业创业类', NULL, 30),
    ('culture',     1, '文体活动类', NULL, 40),
    ('talent',      1, '人才服务类', NULL, 50);

INSERT INTO categories (code, level, name, parent_code, sort_order) VALUES
    ('public.elderly',       2, '养老助残', 'public', 11),
    ('public.health',        2, '医疗健康', 'public', 12),
    ('public.legal',         2, '法律咨询', 'public', 13),
    ('public.repair',        2, '维修服务', 'public', 14),
    ('public.environment',   2, '环境整治', 'public', 15),
    ('public.policy',        2, '政策宣讲', 'public', 16),
    ('charity.hardship',     2, '困难帮扶', 'charity', 21),
    ('charity.donation',     2, '爱心捐赠', 'charity', 22),
    ('charity.childcare',    2, '儿童托管', 'charity', 23),
    ('charity.counselling',  2, '心理疏导', 'charity', 24),
    ('charity.volunteer',    2, '志愿服务', 'charity', 25),
    ('employment.guidance',  2, '就业指导', 'employment', 31),
    ('employment.training',  2, '技能培训', 'employment', 32),
    ('employment.startup',   2, '创业扶持', 'employment', 33),
    ('culture.activities',   2, '文体活动', 'culture', 41),
    ('culture.performance',  2, '文艺演出', 'culture', 42),
    ('culture.fitness',      2, '全民健身', 'culture', 43),
    ('culture.reading',      2, '阅读教育', 'culture', 44),
    ('talent.consulting',    2, '专业咨询', 'talent', 51),
    ('talent.tutoring',      2, '课业辅导', 'talent', 52),
    ('talent.technology',    2, '科技服务', 'talent', 53),
    ('talent.finance',       2, '金融知识', 'talent', 54);
