with customers as (

    select * from {{ ref('stg_retail__customers') }}

),

offer_events as (

    select * from {{ ref('stg_retail__offer_events') }}

),

customer_events as (

    select
        customer_id,
        count(*)                                    as offers_shown,
        count(*) filter (where accepted)            as offers_accepted,
        max(shown_at)                               as last_offer_at
    from offer_events
    group by customer_id

),

joined as (

    select
        customers.customer_id,
        customers.segment,
        customers.income_band,
        coalesce(customer_events.offers_shown, 0)::bigint       as offers_shown,
        coalesce(customer_events.offers_accepted, 0)::bigint    as offers_accepted,
        (
            customer_events.offers_accepted::double precision
            / nullif(customer_events.offers_shown, 0)
        )                                                       as acceptance_rate,
        customer_events.last_offer_at
    from customers
    left join customer_events
        on customers.customer_id = customer_events.customer_id

)

select * from joined
order by customer_id
